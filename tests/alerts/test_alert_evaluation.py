"""Evaluation on PostgreSQL with real rows: orders and ShipStation records, job attempts, stock events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import Alert, AlertEvent, AlertMessage, AlertNotice, OpenOrdersCheck, RuleKind
from alerts.services.evaluate import SEND_EMAIL_KIND, evaluate_alerts
from alerts.services.open_orders import check_open_orders
from inventory.models import StockEvent
from logistics.models import ShipStationOrder
from logistics.shipstation.outbound import CREATE_KIND
from logistics.shipstation.shipments import PUSH_TRACKING_KIND
from marketplaces.connectors import base as connectors
from marketplaces.connectors.base import MarketplaceConnector, PulledOrder
from marketplaces.models import MarketplaceAccount, Order
from tests.alerts.support import (
    account,
    deplete,
    make_failures,
    make_orders,
    only_rule,
    ops_recipient,
    restock,
)

pytestmark = pytest.mark.django_db


def open_alert(kind):
    return Alert.objects.filter(rule__kind=kind, state=Alert.State.OPEN).first()


def messages(channel=None):
    qs = AlertMessage.objects.all()
    return list(qs.filter(channel=channel) if channel else qs)


# --- missed orders -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sent", "missed", "severity"),
    [
        (990, 10, None),  # 10 orders, 1 %: nothing
        (989, 11, 1),  # 11 orders: warning
        (97, 3, None),  # exactly 3 %: nothing
        (96, 4, 1),  # 4 %: warning
        (90, 10, 1),  # exactly 10 %: warning only
        (89, 11, 2),  # 11 %: critical
        (949, 51, 2),  # 51 orders (5.1 %): critical
    ],
)
def test_missed_orders_thresholds(sent, missed, severity):
    only_rule(RuleKind.MISSED_ORDERS)
    make_orders(account(), sent=sent, missed=missed)
    evaluate_alerts()
    alert = open_alert(RuleKind.MISSED_ORDERS)
    assert (alert.severity if alert else None) == severity
    if alert:
        assert alert.figures["count"] == missed and alert.figures["total"] == sent + missed


def test_missed_orders_count_only_after_30_minutes_and_not_cancelled_or_shipped():
    only_rule(RuleKind.MISSED_ORDERS)
    acct = account()
    make_orders(acct, missed=20, age_minutes=29)  # too young to be missed
    make_orders(acct, sent=100, age_minutes=45)
    make_orders(acct, missed=5, age_minutes=45)
    Order.objects.filter(pk__in=Order.objects.filter(state="new").order_by("-pk").values("pk")[:5]).update(
        state=Order.State.CANCELLED
    )
    result = evaluate_alerts()
    assert not open_alert(RuleKind.MISSED_ORDERS)
    assert result.plans[0].measurement.figures.count == 0


def test_flagged_and_never_created_orders_are_missed():
    only_rule(RuleKind.MISSED_ORDERS)
    acct = account()
    now = timezone.now()
    Order.objects.bulk_create(
        [
            Order(
                account=acct,
                marketplace_order_id=f"F{n}",
                state=Order.State.FLAGGED if n % 2 else Order.State.NEW,
                created_at=now - timedelta(hours=2),
            )
            for n in range(12)
        ]
    )
    evaluate_alerts()
    alert = open_alert(RuleKind.MISSED_ORDERS)
    assert alert.severity == 2 and alert.figures["count"] == 12  # 100 %


def test_no_orders_no_alert():
    ops_recipient()
    result = evaluate_alerts()
    assert not Alert.objects.exists() and result.messages == 0


# --- failures per hour -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "job_kind", "count", "severity"),
    [
        (RuleKind.SHIPSTATION_CREATE_FAILURES, CREATE_KIND, 10, None),
        (RuleKind.SHIPSTATION_CREATE_FAILURES, CREATE_KIND, 11, 1),
        (RuleKind.SHIPSTATION_CREATE_FAILURES, CREATE_KIND, 50, 1),
        (RuleKind.SHIPSTATION_CREATE_FAILURES, CREATE_KIND, 51, 2),
        (RuleKind.TRACKING_PUSH_FAILURES, PUSH_TRACKING_KIND, 20, None),
        (RuleKind.TRACKING_PUSH_FAILURES, PUSH_TRACKING_KIND, 21, 1),
        (RuleKind.TRACKING_PUSH_FAILURES, PUSH_TRACKING_KIND, 100, 1),
        (RuleKind.TRACKING_PUSH_FAILURES, PUSH_TRACKING_KIND, 101, 2),
    ],
)
def test_failure_thresholds(kind, job_kind, count, severity):
    only_rule(kind)
    make_failures(job_kind, count)
    make_failures(job_kind, 500, at=timezone.now() - timedelta(minutes=61))  # older than the hour
    make_failures(job_kind, 500, outcome="throttled")  # throttled tries are not failures
    evaluate_alerts()
    alert = open_alert(kind)
    assert (alert.severity if alert else None) == severity


# --- SPEC 5 decisions: sent once per severity, re-sent on escalation, cleared once -------------------------
def test_lifecycle_warning_same_severity_escalation_clear():
    only_rule(RuleKind.SHIPSTATION_CREATE_FAILURES)
    ops_recipient()
    make_failures(CREATE_KIND, 11)

    first = evaluate_alerts()
    assert first.messages == 1  # warning: one email, no SMS
    assert [m.channel for m in messages()] == ["email"]

    make_failures(CREATE_KIND, 5)  # 16: still a warning
    again = evaluate_alerts()
    assert again.messages == 0 and len(messages()) == 1

    make_failures(CREATE_KIND, 40)  # 56: critical
    up = evaluate_alerts()
    assert up.messages == 2  # email + SMS
    assert sorted(m.channel for m in messages()) == ["email", "email", "sms"]
    alert = open_alert(RuleKind.SHIPSTATION_CREATE_FAILURES)
    assert alert.severity == 2
    assert evaluate_alerts().messages == 0  # still critical: quiet

    later = timezone.now() + timedelta(minutes=75)  # the failures are older than an hour
    cleared = evaluate_alerts(now=later)
    assert cleared.messages == 2  # announced where the critical alert went: email + SMS
    assert evaluate_alerts(now=later + timedelta(minutes=5)).messages == 0  # once
    alert.refresh_from_db()
    assert alert.state == Alert.State.CLEARED and alert.cleared_at == later
    kinds = list(AlertEvent.objects.filter(alert=alert).order_by("pk").values_list("kind", "severity"))
    assert kinds == [("opened", 1), ("escalated", 2), ("cleared", 2)]
    assert AlertEvent.objects.get(alert=alert, kind="cleared").title.startswith("CLEARED")

    make_failures(CREATE_KIND, 11, at=later)  # a new episode opens a new alert
    assert evaluate_alerts(now=later + timedelta(minutes=10)).messages == 1
    assert Alert.objects.filter(state=Alert.State.OPEN).count() == 1
    assert Alert.objects.count() == 2


def test_lower_figures_while_open_stay_quiet():
    only_rule(RuleKind.TRACKING_PUSH_FAILURES)
    ops_recipient()
    make_failures(PUSH_TRACKING_KIND, 101)
    assert evaluate_alerts().messages == 2
    later = timezone.now() + timedelta(minutes=62)
    make_failures(PUSH_TRACKING_KIND, 30, at=later - timedelta(minutes=5))  # down to a warning
    assert evaluate_alerts(now=later).messages == 0
    assert open_alert(RuleKind.TRACKING_PUSH_FAILURES).severity == 2


def test_emails_go_through_the_outbox_and_are_recorded(anymail_outbox):
    only_rule(RuleKind.SHIPSTATION_CREATE_FAILURES)
    ops_recipient()
    ops_recipient(email="second@example.com", phone="", name="Second")
    make_failures(CREATE_KIND, 12)
    evaluate_alerts()
    from integration_server.outbox.runner import run_due_jobs

    assert run_due_jobs(SEND_EMAIL_KIND) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ops.lead@example.com", "second@example.com"]
    sent = mail.outbox[0]
    assert sent.subject.startswith("WARNING: 12 orders failed to be created in ShipStation")
    assert "Thresholds: warning > 10, critical > 50" in sent.body
    assert "text/html" in [alt[1] for alt in sent.alternatives]
    rows = messages("email")
    assert {r.state for r in rows} == {AlertMessage.State.SENT}
    assert all(r.provider_message_id and r.sent_at for r in rows)
    assert sorted(r.to_masked for r in rows) == ["o•••@example.com", "s•••@example.com"]
    assert run_due_jobs(SEND_EMAIL_KIND) == 0  # nothing sent twice


@pytest.fixture
def anymail_outbox(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    return mail.outbox


# --- shadow stock 0 ----------------------------------------------------------------------------------------
def test_stock_depleted_once_per_sku_per_depletion():
    only_rule(RuleKind.STOCK_DEPLETED)
    ops_recipient()
    deplete("SKU-A")
    deplete("SKU-B")
    result = evaluate_alerts()
    assert result.messages == 1  # one email for the SKUs that ran out in this run (warning), no SMS
    assert not StockEvent.objects.filter(notified_at__isnull=True).exists()
    assert {a.subject for a in Alert.objects.filter(state="open")} == {"SKU-A", "SKU-B"}
    notice = AlertNotice.objects.get()
    assert notice.title == "WARNING: shadow stock reached 0 for 2 SKUs"
    assert "SKU-A" in notice.text and "SKU-B" in notice.text
    assert AlertEvent.objects.filter(notice=notice).count() == 2

    # more orders of a depleted SKU make no new event and no new message
    assert evaluate_alerts().messages == 0

    restock("SKU-A")  # a Zoho sync put stock back: the alert clears, announced once
    cleared = evaluate_alerts()
    assert cleared.messages == 1 and cleared.plans[0].subject == "SKU-A"
    assert AlertNotice.objects.order_by("-pk")[0].title == "CLEARED: SKU SKU-A has stock again"
    assert evaluate_alerts().messages == 0

    deplete("SKU-A", episode=2)  # the next depletion: a new alert
    assert evaluate_alerts().messages == 1
    assert Alert.objects.filter(rule__kind=RuleKind.STOCK_DEPLETED, subject="SKU-A").count() == 2


def test_a_burst_of_depletions_is_one_email_per_recipient_not_one_per_sku():
    only_rule(RuleKind.STOCK_DEPLETED)
    ops_recipient()
    ops_recipient(email="b@example.com", phone="", name="B")
    for n in range(300):
        deplete(f"SKU-{n:03}")
    assert evaluate_alerts().messages == 2
    assert Alert.objects.filter(state="open").count() == 300
    for n in range(0, 300, 2):
        restock(f"SKU-{n:03}")
    deplete("SKU-NEW")
    assert evaluate_alerts().messages == 2
    notice = AlertNotice.objects.order_by("-pk")[0]
    assert notice.title == "WARNING: shadow stock reached 0 for 1 SKU, 150 SKUs have stock again"


def test_stock_redepleted_between_two_runs_replaces_the_open_alert():
    only_rule(RuleKind.STOCK_DEPLETED)
    ops_recipient()
    deplete("SKU-A")
    evaluate_alerts()
    deplete("SKU-A", episode=2)  # restocked and depleted again before the next run
    result = evaluate_alerts()
    assert sorted(p.decision.action for p in result.plans) == ["clear", "open"]
    alerts = list(Alert.objects.filter(subject="SKU-A").order_by("pk"))
    assert [a.state for a in alerts] == ["cleared", "open"]
    assert alerts[1].figures["episode"] == 2


# --- marketplaces that can list open orders -----------------------------------------------------------------
class OpenOrdersConnector(MarketplaceConnector):
    channel = "mirakl"
    open_ids: list[str] = []

    def iter_orders(self, updated_since, updated_before=None):
        return iter(())

    def confirm_shipment(self, confirmation):
        raise NotImplementedError

    def update_quantities(self, updates):
        return []

    def list_open_orders(self):
        old = timezone.now() - timedelta(hours=3)
        return [
            PulledOrder(marketplace_order_id=i, status="SHIPPING", updated_at=old, purchased_at=old)
            for i in self.open_ids
        ]


def test_open_orders_we_never_pulled_count_as_missed():
    only_rule(RuleKind.MISSED_ORDERS)
    connectors.register_connector("mirakl", OpenOrdersConnector)  # for this test only (tests/plugins)
    mirakl = account("Mirakl FR", "mirakl")
    account("Elsewhere", "no-connector")  # a channel without a connector: skipped
    make_orders(mirakl, sent=100)
    MarketplaceAccount.objects.filter(pk=mirakl.pk).update(orders_watermark=timezone.now())  # pulled since
    OpenOrdersConnector.open_ids = [o.marketplace_order_id for o in Order.objects.all()[:50]] + [
        f"NEVER-{n}" for n in range(11)
    ]
    assert check_open_orders() == {"checked": 1, "skipped": 1, "failed": 0}
    check = OpenOrdersCheck.objects.get(account=mirakl)
    assert (check.open_orders, check.missing) == (61, 11)
    evaluate_alerts()
    alert = open_alert(RuleKind.MISSED_ORDERS)
    assert alert.figures["count"] == 11 and alert.figures["total"] == 111  # > 10 orders, 9.9 %: warning
    assert alert.severity == 1
    assert alert.figures["accounts"]["Mirakl FR"]["never_pulled"] == 11

    stale = timezone.now() + timedelta(hours=3)  # an old check no longer counts
    evaluate_alerts(now=stale)
    assert open_alert(RuleKind.MISSED_ORDERS) is None


# --- constant queries ---------------------------------------------------------------------------------------
def _queries_of_a_run(orders: int, failures: int, skus: int) -> int:
    acct = account(f"acct-{orders}")
    make_orders(acct, sent=orders, missed=orders)  # 50 %: critical
    make_failures(CREATE_KIND, failures)
    make_failures(PUSH_TRACKING_KIND, failures)
    for n in range(skus):
        deplete(f"SKU-{orders}-{n}")
    with CaptureQueriesContext(connection) as ctx:
        evaluate_alerts()
    Alert.objects.update(state="cleared")
    return len(ctx.captured_queries)


def test_evaluation_queries_do_not_grow_with_volume():
    ops_recipient()
    ops_recipient(email="b@example.com", phone="+447700900999", name="B")
    small = _queries_of_a_run(orders=3, failures=60, skus=1)
    large = _queries_of_a_run(orders=400, failures=600, skus=40)
    assert small == large
    assert large <= 25


def test_dry_run_writes_nothing(capsys):
    ops_recipient()
    make_failures(CREATE_KIND, 60)
    call_command("evaluate_alerts", "--dry-run")
    out = capsys.readouterr().out
    assert "shipstation_create_failures" in out and "-> open (severity 2)" in out
    assert "dry run:" in out
    assert not Alert.objects.exists() and not AlertMessage.objects.exists()
    call_command("evaluate_alerts")
    assert Alert.objects.count() == 1 and AlertMessage.objects.count() == 2


# --- issue 16 point 6: failures count distinct orders and packages, not attempts ----------------------------
@pytest.mark.parametrize(
    ("kind", "job_kind"),
    [
        (RuleKind.SHIPSTATION_CREATE_FAILURES, CREATE_KIND),
        (RuleKind.TRACKING_PUSH_FAILURES, PUSH_TRACKING_KIND),
    ],
)
def test_failure_alert_counts_distinct_orders_not_attempts(kind, job_kind):
    only_rule(kind)
    make_failures(job_kind, 3, attempts_each=4)  # 3 failing orders, 12 failed attempts
    evaluate_alerts()
    assert open_alert(kind) is None
    make_failures(job_kind, 30, attempts_each=4)  # 33 orders, 132 attempts
    evaluate_alerts()
    alert = open_alert(kind)
    assert alert.figures["count"] == 33
    assert alert.severity == 1  # > 10 / > 20 orders: a warning, not the critical 132 attempts would give
    assert alert.summary.startswith("33 ")


def test_a_job_sent_again_for_the_same_order_counts_once():
    from integration_server.models import JobAttempt, OutboundJob

    only_rule(RuleKind.SHIPSTATION_CREATE_FAILURES)
    at = timezone.now() - timedelta(minutes=5)
    for order_id in range(11):
        for _ in range(2):  # the original job and a "send again" job, each failing
            job = OutboundJob.objects.create(kind=CREATE_KIND, payload={"order_id": order_id})
            JobAttempt.objects.create(job=job, kind=CREATE_KIND, number=1, started_at=at, outcome="retry")
    evaluate_alerts()
    assert open_alert(RuleKind.SHIPSTATION_CREATE_FAILURES).figures["count"] == 11


# --- issue 16 point 5: no false "missed orders" on a fresh start --------------------------------------------
def test_open_orders_listed_before_the_first_pull_are_not_missed_once_pulled():
    only_rule(RuleKind.MISSED_ORDERS)
    connectors.register_connector("mirakl", OpenOrdersConnector)  # for this test only
    mirakl = account("Mirakl FR", "mirakl")
    OpenOrdersConnector.open_ids = [f"FRESH-{n}" for n in range(60)]  # on the marketplace for 3 hours
    assert check_open_orders()["checked"] == 1  # the snapshot runs before the first pull: we have none
    assert OpenOrdersCheck.objects.get(account=mirakl).missing == 60

    evaluate_alerts()  # the first pull has not completed: lacking them is not a miss
    assert open_alert(RuleKind.MISSED_ORDERS) is None

    # the first pull stores them and ShipStation accepts 58; two are still being created
    now = timezone.now()
    Order.objects.bulk_create(
        [
            Order(
                account=mirakl,
                marketplace_order_id=f"FRESH-{n}",
                state=Order.State.SENT if n < 58 else Order.State.NEW,
                purchased_at=now - timedelta(hours=3),
                created_at=now - timedelta(minutes=1),
            )
            for n in range(60)
        ]
    )
    ShipStationOrder.objects.bulk_create(
        [
            ShipStationOrder(order=o, order_key=f"k-{o.pk}", store_id=7, sent_at=now)
            for o in Order.objects.filter(state=Order.State.SENT)
        ]
    )
    MarketplaceAccount.objects.filter(pk=mirakl.pk).update(orders_watermark=now)
    result = evaluate_alerts()  # the snapshot is re-checked against our database: nothing never pulled
    assert open_alert(RuleKind.MISSED_ORDERS) is None
    assert result.plans[0].measurement.figures.count == 0

    later = now + timedelta(minutes=10)  # the two are still not in ShipStation: missed, counted once each
    evaluate_alerts(now=later)
    alert = open_alert(RuleKind.MISSED_ORDERS)
    assert alert.figures["count"] == 2 and alert.figures["total"] == 60
    assert "never_pulled" not in alert.figures["accounts"]["Mirakl FR"]


def test_an_order_missed_30_minutes_after_it_appeared_on_the_marketplace():
    only_rule(RuleKind.MISSED_ORDERS)
    acct = account()
    now = timezone.now()
    Order.objects.bulk_create(
        [
            Order(  # pulled 20 min ago, but on the marketplace for an hour: missed
                account=acct,
                marketplace_order_id=f"LATE-{n}",
                purchased_at=now - timedelta(hours=1),
                created_at=now - timedelta(minutes=20),
            )
            for n in range(11)
        ]
    )
    evaluate_alerts()
    assert open_alert(RuleKind.MISSED_ORDERS).figures["count"] == 11
