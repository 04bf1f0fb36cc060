"""Shared test set-up: PostgreSQL (see integration_server.settings_test), vendor fixtures, simulators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests judge correctness, not speed: a loaded CI machine must not fail them on time.
hypothesis_settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("project")

# Fixtures shared across test folders (simulators, accounts, rows): plugins, not ``import *``.
pytest_plugins = [
    "tests.plugins.registries",
    "tests.plugins.orders_flow",
    "tests.plugins.ebay",
    "tests.plugins.eccang",
    "tests.plugins.notifications",
]

SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
if not SHARED_FIXTURES.exists():  # a clone in another place: look beside the repository's parent too
    SHARED_FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures"


def load_fixture(relative: str):
    """A vendor's official sample payload from ../shared/fixtures (JSON parsed, other text as str)."""
    path = SHARED_FIXTURES / relative
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else text


@pytest.fixture
def fixture_payload():
    return load_fixture


@pytest.fixture
def client():
    """pytest-django's client, sending the /healthz detail token of the test settings."""
    from django.conf import settings
    from django.test import Client

    return Client(headers={"X-Health-Token": settings.HEALTHZ_DETAIL_TOKEN})


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: it would hide what it was meant to show."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = 1
        reporter.write_line("CI: skipped tests count as failures", red=True)


@pytest.fixture(autouse=True)
def _fresh_signing_key_cache():
    """Each test starts with no cached webhook signing keys (rows of earlier tests were rolled back)."""
    from integration_server import key_cache

    key_cache.clear()
    yield
    key_cache.clear()
