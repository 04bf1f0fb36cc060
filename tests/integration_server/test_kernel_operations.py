"""Purge, schedules, health, system checks, logging, admin actions."""

import json
import logging
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule

from integration_server.logging_context import ContextFilter, job_context
from integration_server.models import OutboundJob, RawPayload, WorkerHeartbeat
from integration_server.outbox import enqueue_job
from integration_server.outbox.registry import single
from integration_server.raw_payloads import purge_raw_payloads
from integration_server.schedules import ensure_schedules, registered_schedules


@pytest.mark.django_db
def test_purge_removes_exactly_rows_older_than_90_days():
    now = timezone.now()
    ages = {"old": 91, "edge_old": 90.01, "edge_new": 89.99, "new": 1}
    for name, days in ages.items():
        row = RawPayload.objects.create(source="t", delivery_id=name, body=b"x")
        RawPayload.objects.filter(pk=row.pk).update(received_at=now - timedelta(days=days))
    assert purge_raw_payloads(now=now) == 2
    assert sorted(RawPayload.objects.values_list("delivery_id", flat=True)) == ["edge_new", "new"]


@pytest.mark.django_db
def test_purge_command(capsys):
    row = RawPayload.objects.create(source="t", delivery_id="old", body=b"x")
    RawPayload.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(days=100))
    call_command("purge_raw_payloads")
    assert "Purged 1 raw payload(s)" in capsys.readouterr().out
    assert not RawPayload.objects.exists()


@pytest.mark.django_db
def test_repeated_setup_leaves_one_copy_of_each_schedule():
    ensure_schedules()  # migrate already ran it once
    call_command("setup_schedules")
    call_command("migrate", verbosity=0)
    names = [s.name for s in registered_schedules()]
    assert "outbox-sweep" in names and "purge-raw-payloads" in names
    for name in names:
        assert Schedule.objects.filter(name=name).count() == 1, name


@pytest.mark.django_db
def test_sweep_writes_heartbeat_and_health_reports_it(client):
    from integration_server.outbox.tasks import sweep

    response = client.get("/healthz")
    assert response.status_code == 503
    assert "no live worker" in " ".join(response.json()["problems"])
    sweep()
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"] == "ok"
    assert body["worker_heartbeat_age_s"] < 5
    assert body["schedules"]["outbox-sweep"]["last_success_at"]
    assert body["due_jobs"] == 0


@pytest.mark.django_db
def test_health_reports_backlog_and_stale_worker(client, job_kinds):
    job_kinds.register("test.noop", single(lambda job: None))
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=30))
    enqueue_job("test.noop", run_at=timezone.now() - timedelta(hours=1))
    body = client.get("/healthz").json()
    assert body["status"] == "fail"
    assert body["due_jobs"] == 1
    assert body["oldest_due_job_age_s"] >= 3600


def _errors(**overrides):
    with override_settings(**overrides):
        return {e.id for e in run_checks() if e.level >= 40}


def test_checks_refuse_unsafe_settings(settings):
    assert _errors() == set()
    assert "integration_server.E001" in _errors(
        Q_CLUSTER={**settings.Q_CLUSTER, "timeout": 300, "retry": 300}
    )
    assert "integration_server.E002" in _errors(ENCRYPTION_KEYS=[], DEBUG=False)
    assert "integration_server.E005" in _errors(DEBUG=True, ALLOWED_HOSTS=["ops.example.com"])
    assert "integration_server.E006" in _errors(ENCRYPTION_KEYS=["too-short"])


def test_log_lines_are_json_with_job_id(capsys):
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("test.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with job_context(42):
            logger.info("outbox.job_done", extra={"kind": "x"})
    finally:
        logger.removeHandler(handler)
    line = capsys.readouterr().err.strip()
    event = json.loads(line)
    assert event["message"] == "outbox.job_done" and event["job_id"] == "42" and event["kind"] == "x"


@pytest.mark.django_db
def test_request_id_is_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


@pytest.mark.django_db
def test_admin_retry_now_and_job_pages(admin_client, django_capture_on_commit_callbacks, job_kinds):
    job_kinds.register("test.admin", single(lambda job: {"done": True}))
    job = OutboundJob.objects.create(kind="test.admin", state="failed", last_error="boom", retries_used=3)
    listing = admin_client.get("/admin/integration_server/outboundjob/?state__exact=failed")
    assert listing.status_code == 200 and b"boom" in listing.content
    assert admin_client.get(f"/admin/integration_server/outboundjob/{job.pk}/change/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/integration_server/outboundjob/",
            {"action": "retry_now", "_selected_action": [job.pk]},
            follow=True,
        )
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.state == "succeeded"  # sync mode runs it on commit
    assert job.retries_used == 0


@pytest.mark.django_db
def test_admin_index_shows_health(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert b"Service health" in response.content


@pytest.mark.django_db
def test_admin_never_shows_raw_bodies(admin_client):
    row = RawPayload.objects.create(source="t", delivery_id="pii", body=b'{"email": "jane@example.com"}')
    page = admin_client.get(f"/admin/integration_server/rawpayload/{row.pk}/change/")
    assert page.status_code == 200
    assert b"jane@example.com" not in page.content
    assert b"jane@example.com" not in admin_client.get("/admin/integration_server/rawpayload/").content


@pytest.mark.django_db
def test_failures_per_kind_in_the_last_hour_is_one_query(django_assert_num_queries):
    from integration_server.models import JobAttempt
    from integration_server.outbox.stats import failures_per_kind

    job = OutboundJob.objects.create(kind="shipstation.create_order")
    other = OutboundJob.objects.create(kind="tracking.push")
    now = timezone.now()
    rows = [
        (job, "retry", 5),
        (job, "failed", 10),
        (job, "throttled", 1),  # not a failure
        (job, "succeeded", 1),
        (job, "retry", 90),  # older than an hour
        (other, "lease_expired", 2),
    ]
    JobAttempt.objects.bulk_create(
        [
            JobAttempt(job=j, kind=j.kind, number=i, outcome=o, started_at=now - timedelta(minutes=m))
            for i, (j, o, m) in enumerate(rows)
        ]
    )
    with django_assert_num_queries(1):
        counts = failures_per_kind()
    assert counts == {"shipstation.create_order": 2, "tracking.push": 1}


def test_webhook_secrets_in_urls_never_reach_the_log():
    from django.test import RequestFactory

    from integration_server.logging_context import redact_path

    assert redact_path("Unauthorized: /webhook/zoho/s3cr3t-value") == "Unauthorized: /webhook/zoho/***"
    assert redact_path("POST /webhook/shopify HTTP/1.1") == "POST /webhook/shopify HTTP/1.1"
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Unauthorized", "/webhook/shipstation/abc123"),
        None,
    )
    record.request = RequestFactory().post("/webhook/shipstation/abc123")
    ContextFilter().filter(record)
    assert "abc123" not in record.getMessage() and "abc123" not in record.request


def _gunicorn_logger():
    import importlib.util

    from django.conf import settings

    spec = importlib.util.spec_from_file_location("gunicorn_conf", settings.BASE_DIR / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf, conf.RedactingLogger.__new__(conf.RedactingLogger)


def _request(path: str):
    from types import SimpleNamespace

    req = SimpleNamespace(headers=[], uri=path, path=path, query="", method="POST", version=(1, 1))
    resp = SimpleNamespace(
        status="401 Unauthorized", response_length=12, headers=[("X-Request-ID", "req-1")], sent=12
    )
    environ = {
        "REQUEST_METHOD": "POST",
        "REMOTE_ADDR": "127.0.0.1",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "RAW_URI": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    return resp, req, environ


def test_gunicorn_access_log_redacts_webhook_secrets():
    import datetime

    _, logger = _gunicorn_logger()
    atoms = logger.atoms(*_request("/webhook/zoho/s3cr3t"), datetime.timedelta(milliseconds=3))
    assert "s3cr3t" not in atoms["U"] and "s3cr3t" not in atoms["r"]


def test_gunicorn_access_log_is_one_json_event_through_the_app_formatter():
    import datetime
    import io
    import json
    import logging.config

    conf, logger = _gunicorn_logger()
    stream = io.StringIO()
    config = {**conf.logconfig_dict, "handlers": {**conf.logconfig_dict["handlers"]}}
    config["handlers"]["access"] = {**config["handlers"]["access"], "stream": stream}
    config["loggers"] = {"test.gunicorn.access": config["loggers"]["gunicorn.access"]}
    config.pop("root")
    logging.config.dictConfig(config)
    logger.access_log = logging.getLogger("test.gunicorn.access")
    logger._access_log_enabled = True

    logger.access(*_request('/webhook/zoho/s3cr3t/a"b'), datetime.timedelta(milliseconds=3))
    event = json.loads(stream.getvalue())
    assert event["message"] == "request" and event["level"] == "INFO"
    assert (event["method"], event["status"], event["bytes"], event["request_id"]) == (
        "POST",
        401,
        12,
        "req-1",
    )
    assert "s3cr3t" not in stream.getvalue() and event["path"].startswith("/webhook/zoho/")


@pytest.mark.django_db
def test_health_flags_a_frequent_schedule_that_stopped_succeeding(client):
    from integration_server.models import ScheduleRun
    from integration_server.outbox.tasks import sweep

    sweep()  # a live worker
    now = timezone.now()
    ScheduleRun.objects.update_or_create(
        name="outbox-sweep", defaults={"last_success_at": now - timedelta(minutes=20), "last_error": "boom"}
    )
    ScheduleRun.objects.create(
        name="purge-raw-payloads", last_success_at=now - timedelta(days=1)
    )  # daily: fine
    body = client.get("/healthz").json()
    assert body["status"] == "fail"
    assert body["schedules"]["outbox-sweep"]["stale"] is True
    assert body["schedules"]["purge-raw-payloads"]["stale"] is False
    assert any("outbox-sweep" in p for p in body["problems"])
