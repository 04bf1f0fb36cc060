"""django-q2 entry points of the alerts app: thin, call the services."""

from __future__ import annotations

from alerts.services.evaluate import evaluate_alerts
from alerts.services.open_orders import check_open_orders
from integration_server.schedules import records_schedule_run


@records_schedule_run("alerts-evaluate")
def evaluate_alerts_task() -> str:
    return evaluate_alerts().summary()


@records_schedule_run("alerts-open-orders")
def check_open_orders_task() -> dict:
    return check_open_orders()
