"""Comparing each marketplace's open orders with ours, for connectors that can list them (the others raise
NotImplementedError and are skipped). The result is stored per account; the missed-orders rule reads it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from alerts.models import AlertRule, OpenOrdersCheck, RuleKind
from marketplaces.models import MarketplaceAccount
from marketplaces.services.open_orders import OpenOrdersUnavailable, open_orders, unknown_order_ids

log = logging.getLogger(__name__)
SAMPLE = 20
MAX_STORED = 5000  # open orders we lack, kept per account for the evaluation to check again


def check_open_orders(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    rule = AlertRule.objects.filter(kind=RuleKind.MISSED_ORDERS).first()
    grace = timedelta(minutes=rule.grace_minutes if rule else 30)
    checked = skipped = failed = 0
    for account in MarketplaceAccount.objects.filter(enabled=True).order_by("pk"):
        try:
            orders = open_orders(account, placed_before=now - grace)
        except OpenOrdersUnavailable:
            skipped += 1
            continue
        except Exception as exc:  # noqa: BLE001 - typed vendor errors carry no secrets; one account at a time
            failed += 1
            _record_failure(account, now, str(exc))
            log.warning("alerts.open_orders_failed", extra={"account": account.pk, "error": str(exc)[:300]})
            continue
        ids = [o.marketplace_order_id for o in orders]
        unknown = set(unknown_order_ids(account, ids))
        missing_orders = [
            [o.marketplace_order_id, o.purchased_at.isoformat() if o.purchased_at else None]
            for o in orders
            if o.marketplace_order_id in unknown
        ][:MAX_STORED]
        missing = [i for i, _ in missing_orders]
        OpenOrdersCheck.objects.update_or_create(
            account=account,
            defaults={
                "checked_at": now,
                "open_orders": len(ids),
                "missing": len(missing),
                "missing_sample": missing[:SAMPLE],
                "missing_orders": missing_orders,
                "error": "",
                "last_success_at": now,
                "failures": 0,
                "failing_since": None,
            },
        )
        checked += 1
    return {"checked": checked, "skipped": skipped, "failed": failed}


def _record_failure(account, now: datetime, error: str) -> None:
    """One more consecutive failure of the account's check (the row is made on a first failure)."""
    check, _ = OpenOrdersCheck.objects.get_or_create(account=account, defaults={"checked_at": now})
    OpenOrdersCheck.objects.filter(pk=check.pk).update(
        error=error[:2000], failures=F("failures") + 1, failing_since=check.failing_since or now
    )
