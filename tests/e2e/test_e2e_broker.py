"""The worker poke travels through the configured django-q2 broker: the ORM broker by default, Redis when
REDIS_URL is set (CI runs the end-to-end tests once each way). The poke written after commit is taken from
the broker by a worker and runs the due job."""

from __future__ import annotations

from multiprocessing import Queue, Value

import pytest
from django.conf import settings
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage
from django_q.worker import worker

from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_job
from integration_server.outbox.registry import single

pytestmark = pytest.mark.django_db(transaction=True)


RUNS: list[int] = []


@pytest.fixture
def echo_kind(job_kinds):
    job_kinds.register("e2e.broker_echo", single(lambda job: RUNS.append(job.payload["n"])))
    RUNS.clear()
    return "e2e.broker_echo"


@pytest.fixture
def broker(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # the test settings run tasks inline; here they go through
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def run_one_task_from(broker) -> None:
    """What a qcluster worker does with one task: take it from the broker, run it, acknowledge it."""
    tasks = broker.dequeue()
    assert tasks, "nothing reached the broker"
    ack_id, pack = tasks[0]
    task = SignedPackage.loads(pack)
    queue = Queue()
    queue.put(task)
    queue.put("STOP")
    worker(queue, Queue(), Value("f", -1))
    broker.acknowledge(ack_id)


def test_the_poke_goes_through_the_configured_broker_and_runs_the_job(broker, echo_kind):
    expected = "Redis" if settings.REDIS_URL else "ORM"
    assert type(broker).__name__ == expected

    job = enqueue_job(echo_kind, {"n": 7})  # autocommit: the poke is sent at once

    assert broker.queue_size() == 1
    run_one_task_from(broker)
    job.refresh_from_db()
    assert job.state == OutboundJob.State.SUCCEEDED
    assert RUNS == [7]
