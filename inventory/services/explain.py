"""The per-SKU explanation of the admin: every step from Zoho's figure to each marketplace's quantity."""

from __future__ import annotations

from fractions import Fraction

from django.db.models import Sum

from inventory.allocation import allocate, effective_ratios
from inventory.models import (
    AccountStockPolicy,
    PublishedQuantity,
    ShadowDecrement,
    SkuRatioOverride,
    StockLevel,
    ZohoConnection,
)
from inventory.services.context import AllocationContext


def _num(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.4f}".rstrip("0")


CHANGE_VERB = {"+": "set", "~": "changed", "-": "removed"}


def last_ratio_changes(sku: str, account_ids, overridden) -> dict[int, str]:
    """Per account, the last change of the ratio in use (the SKU override, else the account ratio): when,
    by whom, what. Two queries whatever the number of accounts."""
    changes = {}
    overridden_ids = [a for a in account_ids if a in overridden]
    account_ids = [a for a in account_ids if a not in overridden]
    histories = [
        SkuRatioOverride.history.filter(sku=sku, account_id__in=overridden_ids),
        AccountStockPolicy.history.filter(account_id__in=account_ids),
    ]
    for history in histories:
        for record in history.select_related("history_user").order_by("-history_date", "-history_id"):
            if record.account_id not in changes:
                who = record.history_user.get_username() if record.history_user else "the system"
                changes[record.account_id] = (
                    f"{CHANGE_VERB.get(record.history_type, 'changed')} to {_num(Fraction(record.ratio))} "
                    f"on {record.history_date:%Y-%m-%d %H:%M} UTC by {who}"
                )
    return changes


def explain_sku(level: StockLevel) -> dict:
    ctx = AllocationContext.load()
    overrides = ctx.overrides_for([level.sku]).get(level.sku, {})
    ratios = effective_ratios(ctx.account_ratios, overrides)
    result = allocate(level.shadow_available, ratios, ctx.policy)
    published = {
        pq.account_id: pq for pq in PublishedQuantity.objects.filter(sku=level.sku).select_related("account")
    }
    ordered = (
        ShadowDecrement.objects.filter(
            sku=level.sku, created_at__gte=level.shadow_reset_at, returned_at__isnull=True
        ).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    conn = ZohoConnection.objects.filter(pk=1).only("stock_field", "stock_field_fallback").first()
    field = conn.stock_field if conn else "actual_available_for_sale_stock"
    policy = ctx.policy
    steps = [
        f"Zoho reports {level.zoho_available} available ({field}), last modified {level.zoho_modified_at or '-'}.",
        f"Shadow stock: reset to Zoho's figure at {level.shadow_reset_at:%Y-%m-%d %H:%M:%S} UTC; "
        f"{ordered} unit(s) ordered on marketplaces since -> {level.shadow_available}.",
        f"Allocatable base = max(0, {level.shadow_available} - safety stock {policy.safety_stock}) = {result.base}.",
        f"Ratios (per-SKU override wins over the account ratio) add up to {_num(result.ratio_sum)}; "
        f"the cap is {_num(result.cap)}"
        + (
            f", so every ratio is scaled by {_num(result.cap)}/{_num(result.ratio_sum)}."
            if result.scale != 1
            else ", so ratios are used as they are."
        ),
        f"Total published is at most floor({result.base} x {_num(result.cap)}) = {result.cap_total}.",
    ]
    for account, reason in sorted(ctx.excluded.values(), key=lambda e: e[0].name):
        steps.append(
            f"{account.name} takes no part ({reason}): it gets nothing and does not count in the cap."
        )
    if policy.min_publish_qty:
        steps.append(f"Minimum per marketplace while stock is allocatable: {policy.min_publish_qty}.")
    rows = []
    changes = last_ratio_changes(level.sku, list(ratios), overrides)
    for account_id in sorted(ratios, key=lambda a: ctx.accounts[a].name):
        ratio = result.ratios[account_id]
        effective = ratio * result.scale
        pq = published.get(account_id)
        rows.append(
            {
                "account": ctx.accounts[account_id],
                "source": "SKU override" if account_id in overrides else "account ratio",
                "ratio": _num(ratio),
                "ratio_changed": changes.get(account_id, ""),
                "effective": _num(effective),
                "exact": _num(result.base * effective),
                "floored": result.floored[account_id],
                "quantity": result.quantities[account_id],
                "published": pq.published_quantity if pq else None,
                # pending until the marketplace accepts what the current ratios give (a change queued a
                # reallocation that may not have run yet: the figure above is already the new one)
                "pending": pq is None or pq.published_quantity != result.quantities[account_id],
                "ordered_since": pq.ordered_since_publish if pq else 0,
                "last_result": pq.get_last_result_display() if pq else "",
                "last_reason": pq.last_reason if pq else "",
            }
        )
    return {"steps": steps, "rows": rows, "total": sum(result.quantities.values()), "result": result}
