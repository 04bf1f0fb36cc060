"""Issue 16 point 4: a failing pull, open-orders check or Zoho sync is visible (per-account pull health on
the account list and /healthz) and raises an alert: warning after 3 consecutive failures or 30 min of
failing, critical after 2 hours, cleared by the next success. The rules are seeded by a migration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, AlertRule, OpenOrdersCheck, RuleKind
from alerts.services.evaluate import evaluate_alerts
from alerts.services.open_orders import check_open_orders
from integration_server.http.errors import AuthenticationError, RetryableError
from inventory.models import ZohoConnection
from inventory.services.zoho_sync import sync_items
from marketplaces.connectors import base as connectors
from marketplaces.connectors.base import MarketplaceConnector
from marketplaces.models import MarketplaceAccount
from marketplaces.services.pull import pull_orders
from tests.alerts.support import only_rule

pytestmark = pytest.mark.django_db


class FlakyConnector(MarketplaceConnector):
    channel = "amazon"
    failing = True

    def iter_orders(self, updated_since, updated_before=None, resume_token=None):
        if type(self).failing:
            raise AuthenticationError("refresh token refused", vendor="amazon", status=401)
        return iter(())

    def list_open_orders(self):
        if type(self).failing:
            raise RetryableError("service unavailable", vendor="amazon", status=503)
        return []

    def confirm_shipment(self, confirmation):
        raise NotImplementedError

    def update_quantities(self, updates):
        return []


@pytest.fixture
def flaky():
    FlakyConnector.failing = True
    connectors.register_connector("amazon", FlakyConnector)  # for each test only (tests/plugins)
    return MarketplaceAccount.objects.create(
        name="Amazon US", channel="amazon", orders_watermark=timezone.now() - timedelta(hours=1)
    )


def _failed_pull(account):
    with pytest.raises(AuthenticationError):
        pull_orders(account)
    account.refresh_from_db()


def _alert(kind, subject=""):
    return Alert.objects.filter(rule__kind=kind, subject=subject, state=Alert.State.OPEN).first()


def test_the_rules_are_seeded_with_the_issue_thresholds():
    for kind in (
        RuleKind.MARKETPLACE_PULL_FAILING,
        RuleKind.OPEN_ORDERS_CHECK_FAILING,
        RuleKind.ZOHO_SYNC_FAILING,
    ):
        rule = AlertRule.objects.get(kind=kind)
        assert (rule.warning_count, rule.warning_minutes, rule.critical_minutes) == (2, 30, 120)
        assert rule.enabled


def test_a_failing_pull_warns_after_3_failures_escalates_after_2_hours_clears_on_success(flaky):
    only_rule(RuleKind.MARKETPLACE_PULL_FAILING)
    _failed_pull(flaky)
    _failed_pull(flaky)
    assert flaky.pull_failures == 2 and flaky.pull_failing_since is not None
    evaluate_alerts()
    assert _alert(RuleKind.MARKETPLACE_PULL_FAILING, "Amazon US") is None

    _failed_pull(flaky)
    evaluate_alerts()
    alert = _alert(RuleKind.MARKETPLACE_PULL_FAILING, "Amazon US")
    assert alert.severity == 1 and alert.figures["count"] == 3
    assert "refresh token refused" in alert.figures["last_error"]
    assert alert.summary.startswith("order pull of Amazon US failing: 3 consecutive failure(s)")

    evaluate_alerts(now=flaky.pull_failing_since + timedelta(minutes=121))
    assert _alert(RuleKind.MARKETPLACE_PULL_FAILING, "Amazon US").severity == 2

    FlakyConnector.failing = False
    pull_orders(flaky)
    flaky.refresh_from_db()
    assert (flaky.pull_failures, flaky.pull_failing_since, flaky.last_pull_error) == (0, None, "")
    assert flaky.last_pull_success_at is not None
    evaluate_alerts()
    assert _alert(RuleKind.MARKETPLACE_PULL_FAILING, "Amazon US") is None


def test_one_failure_lasting_30_minutes_warns(flaky):
    only_rule(RuleKind.MARKETPLACE_PULL_FAILING)
    _failed_pull(flaky)
    evaluate_alerts(now=flaky.pull_failing_since + timedelta(minutes=29))
    assert _alert(RuleKind.MARKETPLACE_PULL_FAILING, "Amazon US") is None
    evaluate_alerts(now=flaky.pull_failing_since + timedelta(minutes=30))
    assert _alert(RuleKind.MARKETPLACE_PULL_FAILING, "Amazon US").severity == 1


def test_pull_health_on_the_account_list_and_healthz(flaky, admin_client, client):
    for _ in range(3):
        _failed_pull(flaky)
    page = admin_client.get(reverse("admin:marketplaces_marketplaceaccount_changelist")).content.decode()
    assert "3 consecutive failure(s)</strong>, last success never" in page
    body = client.get("/healthz").json()
    entry = body["marketplace_pulls"]["Amazon US"]
    assert entry["consecutive_failures"] == 3 and entry["last_success_at"] is None
    assert "refresh token refused" in entry["last_error"]
    assert any("order pull of Amazon US: 3 consecutive failure(s)" in w for w in body["warnings"])


def test_a_failing_open_orders_check_alerts(flaky):
    only_rule(RuleKind.OPEN_ORDERS_CHECK_FAILING)
    for _ in range(3):
        assert check_open_orders()["failed"] == 1
    check = OpenOrdersCheck.objects.get(account=flaky)
    assert check.failures == 3 and "service unavailable" in check.error
    evaluate_alerts()
    assert _alert(RuleKind.OPEN_ORDERS_CHECK_FAILING, "Amazon US").severity == 1
    FlakyConnector.failing = False
    assert check_open_orders()["checked"] == 1
    assert OpenOrdersCheck.objects.get(account=flaky).failures == 0
    evaluate_alerts()
    assert _alert(RuleKind.OPEN_ORDERS_CHECK_FAILING, "Amazon US") is None


class BrokenZoho:
    def iter_item_pages(self, modified_since=None):
        raise RetryableError("Zoho is down", vendor="zoho", status=503)
        yield []  # pragma: no cover - a generator


def test_a_failing_zoho_sync_alerts():
    only_rule(RuleKind.ZOHO_SYNC_FAILING)
    ZohoConnection.objects.create(
        organization_id="1", client_id="c", client_secret="s", refresh_token="r", webhook_secret="w"
    )
    for _ in range(3):
        with pytest.raises(RetryableError):
            sync_items(full=False, client=BrokenZoho())
    conn = ZohoConnection.objects.get()
    assert conn.sync_failures == 3 and "Zoho is down" in conn.last_sync_error
    evaluate_alerts()
    alert = _alert(RuleKind.ZOHO_SYNC_FAILING)
    assert alert.severity == 1 and alert.summary.startswith("Zoho stock sync failing: 3 consecutive")
    evaluate_alerts(now=conn.sync_failing_since + timedelta(hours=2))
    assert _alert(RuleKind.ZOHO_SYNC_FAILING).severity == 2
