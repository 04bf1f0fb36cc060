"""Two evaluations at once (two workers, or the schedule and "evaluate now") open one alert and queue its
messages once: runs are serialised on the rule rows, and one open alert per rule + subject is a constraint."""

from __future__ import annotations

import pytest

from alerts.models import Alert, AlertMessage, AlertRecipient, AlertRule, RuleKind
from alerts.services.evaluate import evaluate_alerts
from logistics.shipstation.outbound import CREATE_KIND
from tests.alerts.support import make_failures
from tests.concurrency import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_open_one_alert():
    AlertRule.objects.update_or_create(
        kind=RuleKind.SHIPSTATION_CREATE_FAILURES,
        defaults={"name": "ShipStation order creation failures", "warning_count": 10, "critical_count": 50},
    )
    AlertRule.objects.exclude(kind=RuleKind.SHIPSTATION_CREATE_FAILURES).update(enabled=False)
    AlertRecipient.objects.create(name="ops", email="ops@example.com", phone="+14155550100")
    make_failures(CREATE_KIND, 60)

    results = run_concurrently(*[lambda: evaluate_alerts().messages] * 4)
    assert sorted(results) == [0, 0, 0, 2]
    assert Alert.objects.count() == 1
    assert AlertMessage.objects.count() == 2
