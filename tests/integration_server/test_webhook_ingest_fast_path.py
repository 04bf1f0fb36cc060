"""The webhook ingest path: one statement stores the raw body and its job, a repeat is known without
reading the stored body, no connection health check per request (a dropped connection is retried once),
and the worker is poked at most once per kind per second."""

import json

import psycopg
import pytest
from django.db import connection, connections, models

from integration_server.models import OutboundJob, RawPayload
from integration_server.outbox import enqueue as outbox_enqueue
from integration_server.raw_payloads import raw_payload_handler
from tests.settings_probe import settings_under

from .webhook_test_urls import sign

pytestmark = pytest.mark.urls("tests.integration_server.webhook_test_urls")


@pytest.fixture(autouse=True)
def example_job_kind(job_kinds):
    """The example webhook's job kind, for each test only."""
    job_kinds.register("webhook.example", raw_payload_handler(lambda raw, payload: {"n": payload.get("n")}))


def post(client, body: bytes, delivery="d-1"):
    return client.post(
        "/webhook/example",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=sign(body),
        HTTP_X_DELIVERY_ID=delivery,
    )


@pytest.mark.django_db
def test_an_accepted_delivery_is_one_statement_storing_body_and_job(client, django_assert_num_queries):
    body = json.dumps({"topic": "orders/create", "n": 1}).encode()
    with django_assert_num_queries(1) as captured:
        response = post(client, body)
    assert response.json() == {"status": "accepted"}
    assert "SAVEPOINT" not in captured.captured_queries[0]["sql"]
    raw = RawPayload.objects.get()
    assert raw.body == body and raw.kind == "orders/create" and raw.state == RawPayload.State.RECEIVED
    job = OutboundJob.objects.get()
    assert (job.kind, job.dedupe_key, job.payload) == (
        "webhook.example",
        f"raw:{raw.pk}",
        {"raw_payload_id": raw.pk},
    )
    assert job.state == OutboundJob.State.PENDING and job.next_attempt_at is not None


@pytest.mark.django_db
def test_the_one_statement_writes_every_column_as_the_orm_would(client):
    """The ingest's SQL is made once per process: each row still gets every column, defaults included."""
    for n in (1, 2):  # the second delivery runs on the prepared statement
        post(client, json.dumps({"topic": "orders/create", "n": n}).encode(), delivery=f"d-{n}")
    raw = RawPayload.objects.order_by("pk").last()
    job = OutboundJob.objects.get(dedupe_key=f"raw:{raw.pk}")
    by_orm = OutboundJob(kind="webhook.example")
    for field in OutboundJob._meta.concrete_fields:
        if field.name in {"id", "dedupe_key", "payload", "kind"} or isinstance(field, models.DateTimeField):
            continue
        assert getattr(job, field.attname) == getattr(by_orm, field.attname), field.name
    assert job.created_at == job.next_attempt_at == job.updated_at == raw.received_at
    assert raw.body == json.dumps({"topic": "orders/create", "n": 2}).encode()
    assert (raw.processed_at, raw.error, raw.delivery_id) == (None, "", "d-2")


@pytest.mark.django_db
def test_a_repeat_is_one_statement_and_never_reads_the_stored_body(
    client, django_assert_num_queries, monkeypatch
):
    body = json.dumps({"topic": "orders/create", "n": 2}).encode()
    post(client, body)

    def no_decrypting(*args, **kwargs):
        raise AssertionError("a repeat must not load or decrypt the stored body")

    monkeypatch.setattr("integration_server.crypto.decrypt_text", no_decrypting)
    with django_assert_num_queries(1):
        response = post(client, body)
    assert response.json() == {"status": "duplicate"}
    monkeypatch.undo()
    assert RawPayload.objects.count() == 1 and OutboundJob.objects.count() == 1


@pytest.mark.django_db
def test_an_irrelevant_delivery_is_stored_ignored_without_a_job(client, django_assert_num_queries):
    body = json.dumps({"topic": "ignored/topic", "n": 3}).encode()
    with django_assert_num_queries(1):
        response = post(client, body)
    assert response.json() == {"status": "accepted"}
    assert RawPayload.objects.get().state == RawPayload.State.IGNORED
    assert not OutboundJob.objects.exists()


@pytest.mark.django_db
def test_the_stored_job_is_run_by_the_worker(client, django_capture_on_commit_callbacks):
    body = json.dumps({"topic": "orders/create", "n": 4}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, body)
    assert RawPayload.objects.get().state == RawPayload.State.PROCESSED
    assert OutboundJob.objects.get().state == OutboundJob.State.SUCCEEDED


@pytest.mark.django_db
def test_no_connection_health_check_on_a_webhook_request(client, monkeypatch):
    checks = []
    wrapper = connections["default"]
    real = wrapper.is_usable
    wrapper.ensure_connection()
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(1) or real())
    monkeypatch.setattr(wrapper, "health_check_enabled", True)
    wrapper.health_check_done = False  # as at the start of every request
    response = post(client, json.dumps({"topic": "orders/create", "n": 5}).encode())
    assert response.status_code == 200
    assert checks == []


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_retried_once_not_answered_503(client):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    body = json.dumps({"topic": "orders/create", "n": 6}).encode()
    response = post(client, body, delivery="after-drop")
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    assert RawPayload.objects.filter(delivery_id="after-drop").count() == 1
    assert OutboundJob.objects.filter(kind="webhook.example").count() == 1


@pytest.mark.django_db
def test_the_database_down_is_still_503(client, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("integration_server.raw_payloads._ingest_postgresql", down)
    response = post(client, json.dumps({"topic": "orders/create", "n": 7}).encode())
    assert response.status_code == 503


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.timers = []

    def __call__(self):
        return self.now

    def later(self, delay, fn):
        self.timers.append((self.now + delay, fn))

    def run_timers(self):
        due, self.timers = self.timers, []
        for at, fn in sorted(due, key=lambda t: t[0]):
            self.now = max(self.now, at)
            fn()


def test_pokes_are_coalesced_to_one_per_kind_per_second():
    clock, sent = FakeClock(), []
    pokes = outbox_enqueue.PokeCoalescer(interval=1.0, clock=clock, later=clock.later)
    for _ in range(50):
        pokes.poke(("webhook.17track", ""), lambda: sent.append("17track"))
        clock.now += 0.01
    pokes.poke(("webhook.shopify", ""), lambda: sent.append("shopify"))
    assert sent == ["17track", "shopify"]  # the first at once; the other 49 wait for one deferred poke
    assert len(clock.timers) == 1
    clock.run_timers()
    assert sent == ["17track", "shopify", "17track"]
    clock.now += 5
    pokes.poke(("webhook.17track", ""), lambda: sent.append("17track"))
    assert sent[-1] == "17track" and len(sent) == 4 and clock.timers == []


@pytest.mark.django_db
def test_many_deliveries_put_one_poke_on_the_queue(client, monkeypatch, django_capture_on_commit_callbacks):
    """Outside the inline (test) mode a delivery does not write a queue row each: one poke, one deferred."""
    sent, timers = [], []
    monkeypatch.setattr(outbox_enqueue, "_runs_inline", lambda: False)
    monkeypatch.setattr(outbox_enqueue, "dispatch", lambda kind, group="": sent.append(kind))
    monkeypatch.setattr(
        outbox_enqueue, "_pokes", outbox_enqueue.PokeCoalescer(later=lambda d, fn: timers.append(fn))
    )
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            post(client, json.dumps({"topic": "orders/create", "n": n}).encode(), delivery=f"many-{n}")
    assert sent == ["webhook.example"] and len(timers) == 1
    timers[0]()
    assert sent == ["webhook.example", "webhook.example"]


@pytest.mark.django_db
def test_a_webhook_skips_the_browser_middleware(client, settings):
    """No session, CSRF, user, messages, history or frame headers for a signed delivery: the request id and
    the security middleware still run, and everything else keeps the full stack."""
    response = post(client, json.dumps({"topic": "orders/create", "n": 9}).encode())
    assert response.status_code == 200
    assert "X-Request-ID" in response and response["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in response and "Cookie" not in response.get("Vary", "")
    assert not hasattr(response.wsgi_request, "session")

    other = client.get("/webhook-not-a-webhook")
    assert other.status_code == 404 and other["X-Frame-Options"] == "DENY"
    unknown = client.post("/webhook/unknown", data=b"{}", content_type="application/json")
    assert unknown.status_code == 404 and unknown["X-Frame-Options"] == "DENY"


def _ingest_plans() -> list[tuple[int, int]]:
    """(generic plans, custom plans) of this session's prepared ingest statements (pg_prepared_statements)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE NOT from_sql AND statement LIKE %s",
            ['%INSERT INTO "integration_server_rawpayload"%'],
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_the_ingest_statement_is_prepared_once_not_parsed_per_delivery(client):
    """The ingest statement binds its values on the server (the encrypted body is not spelled into the SQL
    text) and is a prepared statement of the connection: later deliveries run it without parsing or
    planning it again."""
    for n in range(12):
        response = post(client, json.dumps({"topic": "orders/create", "n": n}).encode(), delivery=f"p-{n}")
        assert response.status_code == 200
    plans = _ingest_plans()
    assert len(plans) == 1
    generic, custom = plans[0]
    assert generic + custom >= 6  # every delivery after the first few ran the prepared statement
    assert RawPayload.objects.count() == OutboundJob.objects.count() == 12


def test_prepared_statements_can_be_turned_off_for_a_connection_pooler():
    """Behind a transaction-mode pooler (PgBouncer before 1.21) prepared statements must be off."""

    def threshold(**environment):
        expression = "s.DATABASES['default']['OPTIONS'].get('prepare_threshold', 'unset')"
        return settings_under(expression, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x", **environment)

    assert threshold() == 5
    assert threshold(DATABASE_PREPARED_STATEMENTS="false") is None


@pytest.mark.django_db(transaction=True)
def test_deferred_pokes_share_one_thread_and_its_database_connection(monkeypatch):
    """A deferred poke writes a queue row: it runs on one long-lived thread of the process, which keeps its
    connection, rather than on a new thread with a new connection (a PostgreSQL backend started and dropped)
    every second."""
    import threading

    seen = []
    done = threading.Event()

    def dispatch(kind, group=""):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            seen.append((threading.get_ident(), cursor.fetchone()[0]))
        if len(seen) == 3:
            done.set()

    monkeypatch.setattr(outbox_enqueue, "_runs_inline", lambda: False)
    monkeypatch.setattr(outbox_enqueue, "dispatch", dispatch)
    monkeypatch.setattr(outbox_enqueue, "_pokes", outbox_enqueue.PokeCoalescer(interval=0.05))
    for kind in ("webhook.a", "webhook.b", "webhook.c"):
        outbox_enqueue.poke(kind)  # at once, on this thread
    seen.clear()
    done.clear()
    for kind in ("webhook.a", "webhook.b", "webhook.c"):
        outbox_enqueue.poke(kind)  # inside the interval: deferred
    assert done.wait(5)
    threads = {thread for thread, _ in seen}
    backends = {pid for _, pid in seen}
    assert len(threads) == 1 and threads != {threading.get_ident()}
    assert len(backends) == 1
    closed = threading.Event()
    outbox_enqueue._on_the_poke_thread(0, lambda: (connections.close_all(), closed.set()))
    assert closed.wait(5)  # the test database can be dropped
