"""Two evaluations at once (two workers, or the schedule and "evaluate now") open one alert and queue its
messages once: runs are serialised on the rule rows, and one open alert per rule + subject is a constraint."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from alerts.models import Alert, AlertMessage, AlertRecipient, AlertRule, RuleKind
from alerts.services.evaluate import evaluate_alerts
from logistics.shipstation.outbound import CREATE_KIND
from tests.alerts.support import make_failures


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_open_one_alert():
    AlertRule.objects.update_or_create(
        kind=RuleKind.SHIPSTATION_CREATE_FAILURES,
        defaults={"name": "ShipStation order creation failures", "warning_count": 10, "critical_count": 50},
    )
    AlertRule.objects.exclude(kind=RuleKind.SHIPSTATION_CREATE_FAILURES).update(enabled=False)
    AlertRecipient.objects.create(name="ops", email="ops@example.com", phone="+14155550100")
    make_failures(CREATE_KIND, 60)

    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(evaluate_alerts().messages)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [0, 0, 0, 2]
    assert Alert.objects.count() == 1
    assert AlertMessage.objects.count() == 2
