"""The alerts admin: pages render without N+1, personal data and secrets masked, thresholds editable,
"evaluate now"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from alerts.models import Alert, AlertMessage, AlertNotice, AlertRecipient, AlertRule, RuleKind, TwilioAccount
from alerts.services.evaluate import evaluate_alerts
from logistics.shipstation.outbound import CREATE_KIND
from tests.alerts.support import (
    OPS_EMAIL,
    OPS_PHONE,
    TWILIO_SID,
    TWILIO_TOKEN,
    make_failures,
    ops_recipient,
    twilio_account,
)

pytestmark = pytest.mark.django_db


def test_rules_are_seeded_with_the_spec_defaults():
    rules = {r.kind: r for r in AlertRule.objects.all()}
    assert set(rules) == set(RuleKind.values)
    missed = rules[RuleKind.MISSED_ORDERS]
    assert (missed.warning_count, missed.warning_percent, missed.critical_count, missed.critical_percent) == (
        10,
        3,
        50,
        10,
    )
    assert missed.grace_minutes == 30
    assert (
        rules[RuleKind.SHIPSTATION_CREATE_FAILURES].warning_count,
        rules[RuleKind.SHIPSTATION_CREATE_FAILURES].critical_count,
    ) == (10, 50)
    assert (
        rules[RuleKind.TRACKING_PUSH_FAILURES].warning_count,
        rules[RuleKind.TRACKING_PUSH_FAILURES].critical_count,
    ) == (20, 100)
    assert rules[RuleKind.STOCK_DEPLETED].warning_count == 0


def test_pages_render_and_mask_personal_data(admin_client, django_assert_max_num_queries):
    ops_recipient()
    twilio_account()
    for _ in range(3):
        make_failures(CREATE_KIND, 60)
        evaluate_alerts()
        Alert.objects.update(state="cleared")
    alert = Alert.objects.first()
    pages = [
        reverse("admin:alerts_alertrule_changelist"),
        reverse("admin:alerts_alert_changelist"),
        reverse("admin:alerts_alert_changelist") + "?state=open",
        reverse("admin:alerts_alert_change", args=[alert.pk]),
        reverse("admin:alerts_alertmessage_changelist"),
        reverse("admin:alerts_alertmessage_change", args=[AlertMessage.objects.first().pk]),
        reverse("admin:alerts_alertrecipient_changelist"),
        reverse("admin:alerts_alertrecipient_change", args=[AlertRecipient.objects.get().pk]),
        reverse("admin:alerts_twilioaccount_change", args=[TwilioAccount.objects.get().pk]),
        reverse("admin:alerts_openorderscheck_changelist"),
        reverse("admin:alerts_alertnotice_changelist"),
        reverse("admin:alerts_alertnotice_change", args=[AlertNotice.objects.first().pk]),
    ]
    for url in pages:
        with django_assert_max_num_queries(20):
            response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in (OPS_EMAIL, OPS_PHONE, TWILIO_TOKEN, TWILIO_SID):
            assert secret not in html, (url, secret)
    recipients = admin_client.get(pages[6]).content.decode()
    assert "o•••@example.com" in recipients and "+44•••••123" in recipients


def test_recipient_form_stores_encrypted_and_validates_phone(admin_client):
    url = reverse("admin:alerts_alertrecipient_add")
    bad = admin_client.post(url, {"name": "Night shift", "enabled": "on", "new_phone": "07700 900123"})
    assert bad.status_code == 200 and "E.164" in bad.content.decode()
    ok = admin_client.post(
        url,
        {
            "name": "Night shift",
            "enabled": "on",
            "new_email": "night@example.com",
            "new_phone": "+447700900555",
        },
    )
    assert ok.status_code == 302
    recipient = AlertRecipient.objects.get(name="Night shift")
    assert (recipient.email, recipient.phone) == ("night@example.com", "+447700900555")
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, phone FROM alerts_alertrecipient WHERE id = %s", [recipient.pk])
        stored = cursor.fetchone()
    assert all(v.startswith("enc1:") for v in stored)
    # blank keeps what is stored
    admin_client.post(
        reverse("admin:alerts_alertrecipient_change", args=[recipient.pk]), {"name": "Night", "enabled": "on"}
    )
    recipient.refresh_from_db()
    assert (recipient.name, recipient.phone) == ("Night", "+447700900555")


def test_twilio_secrets_are_write_only(admin_client):
    url = reverse("admin:alerts_twilioaccount_add")
    response = admin_client.post(
        url,
        {
            "name": "Twilio",
            "enabled": "on",
            "from_number": "+15005550006",
            "new_account_sid": TWILIO_SID,
            "new_auth_token": TWILIO_TOKEN,
        },
    )
    assert response.status_code == 302
    account = TwilioAccount.objects.get()
    assert (account.account_sid, account.auth_token) == (TWILIO_SID, TWILIO_TOKEN)
    page = admin_client.get(reverse("admin:alerts_twilioaccount_change", args=[account.pk])).content.decode()
    assert TWILIO_TOKEN not in page and "••••" in page


def test_thresholds_are_editable_and_evaluate_now(admin_client):
    ops_recipient()
    rule = AlertRule.objects.get(kind=RuleKind.SHIPSTATION_CREATE_FAILURES)
    make_failures(CREATE_KIND, 5)
    data = {
        "name": rule.name,
        "enabled": "on",
        "warning_count": "4",
        "critical_count": "50",
        "window_minutes": "60",
        "grace_minutes": "0",
    }
    assert (
        admin_client.post(reverse("admin:alerts_alertrule_change", args=[rule.pk]), data).status_code == 302
    )
    response = admin_client.post(
        reverse("admin:alerts_alertrule_changelist"),
        {"action": "evaluate_now", "_selected_action": [rule.pk]},
        follow=True,
    )
    assert "Alerts evaluated" in response.content.decode()
    alert = Alert.objects.get(state="open")
    assert alert.rule == rule and alert.severity == 1


def test_schedules_are_registered_and_record_their_runs():
    from alerts.tasks import evaluate_alerts_task
    from integration_server.models import ScheduleRun
    from integration_server.schedules import registered_schedules

    names = {s.name: s for s in registered_schedules()}
    assert names["alerts-evaluate"].minutes == 5
    assert names["alerts-evaluate"].func == "alerts.tasks.evaluate_alerts_task"
    assert "alerts-open-orders" in names
    make_failures(CREATE_KIND, 11)
    assert "1 opened" in evaluate_alerts_task()
    run = ScheduleRun.objects.get(name="alerts-evaluate")
    assert run.last_success_at and not run.last_error
