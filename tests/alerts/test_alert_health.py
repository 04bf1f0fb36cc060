"""Issue 16 point 7: /healthz and the front page are not OK while an alert is open or a job failed in the
last 24 h; ``problems_needing_attention`` lists them with links, critical first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertRule, RuleKind
from integration_server.health import problems_needing_attention
from integration_server.models import OutboundJob

pytestmark = pytest.mark.django_db


def _live_worker():
    from integration_server.outbox.tasks import sweep

    sweep()


def _failed_job(kind: str, hours_ago: float) -> OutboundJob:
    at = timezone.now() - timedelta(hours=hours_ago)
    return OutboundJob.objects.create(
        kind=kind, state=OutboundJob.State.FAILED, finished_at=at, last_error="x"
    )


def _open_alert(kind: str, severity: int) -> Alert:
    return Alert.objects.create(rule=AlertRule.objects.get(kind=kind), severity=severity, summary="s")


def test_healthz_is_ok_only_without_open_alerts_or_recently_failed_jobs(client):
    _live_worker()
    _failed_job("shipstation.create_order", hours_ago=30)  # older than a day: not a problem any more
    assert client.get("/healthz").status_code == 200
    assert problems_needing_attention() == []

    _open_alert(RuleKind.MISSED_ORDERS, 2)
    _open_alert(RuleKind.TRACKING_PUSH_FAILURES, 1)
    _failed_job("shipstation.create_order", hours_ago=1)
    _failed_job("orders.push_tracking", hours_ago=2)
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "fail"
    assert body["open_alerts"] == {"critical": 1, "warning": 1}
    assert body["failed_jobs_24h"]["last_24h"] == 2
    assert any(p.startswith("1 open CRITICAL alert(s): Missed orders") for p in body["problems"])
    assert any(p.startswith("2 job(s) failed in the last 24 h") for p in body["problems"])


def test_front_page_problems_come_with_links_critical_first(admin_client):
    _live_worker()
    _open_alert(RuleKind.TRACKING_PUSH_FAILURES, 1)
    _open_alert(RuleKind.SHIPSTATION_CREATE_FAILURES, 2)
    _failed_job("shipstation.create_order", hours_ago=1)
    _failed_job("shipstation.create_order", hours_ago=40)
    items = problems_needing_attention()
    assert [i.level for i in items] == ["critical", "critical", "warning"]
    texts = " | ".join(i.text for i in items)
    assert "1 open WARNING alert(s): Tracking push failures" in texts
    assert "1 job(s) failed in the last 24 h: shipstation.create_order 1" in texts
    by_text = {i.text.split(":")[0]: i.url for i in items}
    alerts_page = admin_client.get(by_text["1 open CRITICAL alert(s)"])
    assert alerts_page.status_code == 200
    assert alerts_page.context["cl"].result_count == 1
    jobs_page = admin_client.get(by_text["1 job(s) failed in the last 24 h"])
    assert jobs_page.status_code == 200
    assert jobs_page.context["cl"].result_count == 1  # the one of 40 h ago is not listed

    Alert.objects.update(state=Alert.State.CLEARED)
    OutboundJob.objects.update(state=OutboundJob.State.SUCCEEDED)
    assert problems_needing_attention() == []
