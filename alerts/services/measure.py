"""Measuring the figures the rules judge, from our own records, each in one query whatever the volume."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q

from alerts import conf
from alerts.models import OpenOrdersCheck
from alerts.rules import Figures
from integration_server.outbox.stats import failed_subjects_per_kind
from logistics.shipstation.outbound import CREATE_KIND
from logistics.shipstation.shipments import PUSH_TRACKING_KIND
from marketplaces.models import Order

FAILURE_KINDS = {
    "shipstation_create_failures": CREATE_KIND,
    "tracking_push_failures": PUSH_TRACKING_KIND,
}
# What a failure rule counts: distinct orders (create) and tracking packages (push), not attempts.
FAILURE_SUBJECT_KEYS = {CREATE_KIND: "order_id", PUSH_TRACKING_KIND: "shipment_id"}


@dataclass
class Measurement:
    figures: Figures
    details: dict = field(default_factory=dict)


def missed_orders(now: datetime, window_minutes: int, grace_minutes: int) -> Measurement:
    """Orders pulled within the window and at least ``grace_minutes`` ago, not cancelled, that ShipStation
    never accepted (no successful create), plus open orders a marketplace lists that we never pulled (from
    the last open-orders check of each account, if recent). Rate = missed / those orders."""
    cutoff = now - timedelta(minutes=grace_minutes)
    since = now - timedelta(minutes=window_minutes)
    not_in_shipstation = Q(state__in=[Order.State.NEW, Order.State.FLAGGED]) & (
        Q(shipstation__isnull=True) | Q(shipstation__sent_at__isnull=True)
    )
    per_account = {
        row["account__name"]: {
            "orders": row["total"],
            "missed": row["missed"],
            # in ShipStation, some packages sent, some lines not yet covered: not missed, but said
            "partially_shipped": row["partial"],
        }
        for row in Order.objects.filter(created_at__gte=since, created_at__lte=cutoff)
        .exclude(state=Order.State.CANCELLED)
        .values("account__name")
        .annotate(
            total=Count("id"),
            missed=Count("id", filter=not_in_shipstation),
            partial=Count("id", filter=Q(state=Order.State.PARTIALLY_SHIPPED)),
        )
        .order_by()
    }
    fresh = now - timedelta(minutes=conf.ALERTS_OPEN_ORDERS_MAX_AGE_MINUTES)
    for name, missing, sample in OpenOrdersCheck.objects.filter(
        checked_at__gte=fresh, missing__gt=0
    ).values_list("account__name", "missing", "missing_sample"):
        row = per_account.setdefault(name, {"orders": 0, "missed": 0})
        row["orders"] += missing
        row["missed"] += missing
        row["never_pulled"] = missing
        row["never_pulled_sample"] = sample[:5]
    count = sum(r["missed"] for r in per_account.values())
    total = sum(r["orders"] for r in per_account.values())
    return Measurement(
        Figures(count, total),
        {"accounts": dict(sorted(per_account.items())), "grace_minutes": grace_minutes},
    )


def job_failures(now: datetime, window_minutes: int, kinds: list[str]) -> dict[str, int]:
    """Per job kind, the distinct orders / tracking packages with a failed attempt in the window."""
    keys = {kind: FAILURE_SUBJECT_KEYS.get(kind, "") for kind in kinds}
    return failed_subjects_per_kind(now - timedelta(minutes=window_minutes), keys)
