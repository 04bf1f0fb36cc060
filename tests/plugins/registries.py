"""Every test leaves the start-up registries (job kinds, hook subscribers, schedules, connectors, simulators,
health checks, tracking providers) as it found them: a test declares what it needs and it is gone after."""

from __future__ import annotations

import pytest

from integration_server.outbox import register_job_kind
from integration_server.restorable import registrations_restored


@pytest.fixture(autouse=True)
def _registrations_restored():
    with registrations_restored():
        yield


class JobKinds:
    """``job_kinds.register(kind, handler, **policy)``: a kind for this test only."""

    register = staticmethod(register_job_kind)


@pytest.fixture
def job_kinds() -> JobKinds:
    return JobKinds()
