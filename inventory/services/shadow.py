"""Shadow stock: decremented once per marketplace order line inside the order-ingest transaction, given back
when an order is cancelled before shipment, reset by the next Zoho sync (stock_sync).

Exactly-once: the ledger row ``ShadowDecrement`` is unique per order line (INSERT ... ON CONFLICT DO NOTHING
RETURNING tells which lines are new). No lost update, no deadlock: stock rows are locked with
``SELECT ... ORDER BY sku FOR UPDATE`` and changed in SQL (``shadow = shadow + delta``), then the published
rows in (sku, account) order: every path that touches both takes the locks in this same order.
"""

from __future__ import annotations

import logging
from collections import Counter

from django.db import connection
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from inventory.models import PublishedQuantity, ShadowDecrement, StockEvent, StockLevel
from inventory.services.context import AllocationContext
from inventory.services.publishing import reallocate_and_enqueue
from inventory.services.sql_lists import fast_sql

log = logging.getLogger(__name__)

STOCK = StockLevel._meta.db_table
PUBLISHED = PublishedQuantity._meta.db_table
LEDGER = ShadowDecrement._meta.db_table


def decrement_for_new_orders(orders: list) -> dict:
    """Subscribed to marketplaces' NEW_ORDERS hook. ``orders`` come with their lines prefetched."""
    lines = [
        (line.pk, order.account_id, line.sku, int(line.quantity))
        for order in orders
        for line in order.lines.all()
        if line.sku and line.quantity and line.quantity > 0
    ]
    if not lines:
        return {"decremented": 0}
    now = timezone.now()
    new = _insert_ledger(lines, now) if fast_sql() else _insert_ledger_portable(lines, now)
    if not new:
        return {"decremented": 0}
    per_sku: Counter = Counter()
    per_pair: Counter = Counter()
    for account_id, sku, qty in new:
        per_sku[sku] -= qty
        per_pair[(sku, account_id)] += qty
    levels = _apply_deltas(per_sku, per_pair, now)
    rebalanced = _rebalance_if_low(levels)
    return {"decremented": len(new), "rebalanced": sorted(rebalanced)}


def _insert_ledger(lines, now) -> list[tuple[int, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {LEDGER} (order_line_id, account_id, sku, quantity, created_at)
                SELECT l, a, s, q, %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::int[])
                    AS t(l, a, s, q)
                ON CONFLICT (order_line_id) DO NOTHING
                RETURNING account_id, sku, quantity""",  # noqa: S608
            [now, *map(list, zip(*lines, strict=True))],
        )
        return cursor.fetchall()


def _insert_ledger_portable(lines, now) -> list[tuple[int, str, int]]:
    """Databases without INSERT ... RETURNING of only the new rows: SQLite serialises writers, so the rows
    missing before the insert are the ones this transaction adds."""
    known = set(
        ShadowDecrement.objects.filter(order_line_id__in=[line[0] for line in lines]).values_list(
            "order_line_id", flat=True
        )
    )
    fresh = [line for line in lines if line[0] not in known]
    ShadowDecrement.objects.bulk_create(
        [
            ShadowDecrement(order_line_id=lid, account_id=aid, sku=sku, quantity=qty, created_at=now)
            for lid, aid, sku, qty in fresh
        ],
        ignore_conflicts=True,
    )
    return [(aid, sku, qty) for _, aid, sku, qty in fresh]


def restore_for_cancelled_orders(orders: list) -> dict:
    """Subscribed to marketplaces' CANCELLED_ORDERS hook (cancelled before shipment): each ledger row gives its
    units back once; units taken before the last Zoho reset are not given back (Zoho's figure had them)."""
    line_ids = [line.pk for order in orders for line in order.lines.all()]
    if not line_ids:
        return {"restored": 0}
    now = timezone.now()
    if not fast_sql():
        rows = list(
            ShadowDecrement.objects.filter(order_line_id__in=line_ids, returned_at__isnull=True).values_list(
                "pk", "account_id", "sku", "quantity", "created_at"
            )
        )
        ShadowDecrement.objects.filter(pk__in=[r[0] for r in rows], returned_at__isnull=True).update(
            returned_at=now
        )
        returned = [r[1:] for r in rows]
        reset_at = dict(
            StockLevel.objects.select_for_update()
            .filter(sku__in={r[1] for r in returned})
            .order_by("sku")
            .values_list("sku", "shadow_reset_at")
        )
        return _give_back(returned, reset_at, now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {LEDGER} SET returned_at = %s
                WHERE order_line_id = ANY(%s) AND returned_at IS NULL
                RETURNING account_id, sku, quantity, created_at""",  # noqa: S608
            [now, line_ids],
        )
        returned = cursor.fetchall()
        if not returned:
            return {"restored": 0}
        cursor.execute(
            f"SELECT sku, shadow_reset_at FROM {STOCK} WHERE sku = ANY(%s) ORDER BY sku FOR UPDATE",  # noqa: S608
            [sorted({r[1] for r in returned})],
        )
        reset_at = dict(cursor.fetchall())
    return _give_back(returned, reset_at, now)


def adjust_for_edited_orders(edits: list) -> dict:
    """Subscribed to marketplaces' EDITED_ORDERS hook (changed before shipment): each changed line moves the
    shadow stock by the difference between what its ledger row took and what the line asks now (a line
    added takes, a line cancelled gives back, a SKU swap gives back the old and takes the new). As for a
    cancellation, units taken before the SKU's last Zoho reset are not given back (Zoho's figure had them).
    The ledger row is updated to the line's new SKU and quantity, so a later cancellation returns exactly
    what is held."""
    changes = [(edit.order.account_id, change.line) for edit in edits for change in edit.line_changes]
    if not changes:
        return {"adjusted": 0}
    now = timezone.now()
    ledger = {
        row.order_line_id: row
        for row in ShadowDecrement.objects.select_for_update().filter(
            order_line_id__in=[line.pk for _, line in changes]
        )
    }
    skus = {line.sku for _, line in changes if line.sku} | {row.sku for row in ledger.values()}
    reset_at = dict(StockLevel.objects.filter(sku__in=skus).values_list("sku", "shadow_reset_at"))
    per_sku: Counter = Counter()
    per_pair: Counter = Counter()
    given_back: set[str] = set()
    new_rows, changed_rows = [], []

    def give_back(account_id, sku, qty, created_at):
        if sku in reset_at and created_at >= reset_at[sku]:
            per_sku[sku] += qty
            given_back.add(sku)
        per_pair[(sku, account_id)] -= qty

    def take(account_id, sku, qty):
        per_sku[sku] -= qty
        per_pair[(sku, account_id)] += qty

    for account_id, line in changes:
        wanted = int(line.quantity) if line.sku else 0
        row = ledger.get(line.pk)
        if row is None or row.returned_at is not None:  # nothing held for this line
            if wanted <= 0:
                continue
            take(account_id, line.sku, wanted)
            if row is None:
                new_rows.append(
                    ShadowDecrement(
                        order_line_id=line.pk,
                        account_id=account_id,
                        sku=line.sku,
                        quantity=wanted,
                        created_at=now,
                    )
                )
                continue
            row.sku, row.quantity, row.created_at, row.returned_at = line.sku, wanted, now, None
        elif row.sku == line.sku and wanted == row.quantity:
            continue
        elif row.sku == line.sku and wanted > row.quantity:
            take(account_id, row.sku, wanted - row.quantity)
            row.quantity = wanted
        elif row.sku == line.sku and wanted > 0:
            give_back(account_id, row.sku, row.quantity - wanted, row.created_at)
            row.quantity = wanted
        else:  # cancelled, or another SKU: give back what was held, take what is asked
            give_back(account_id, row.sku, row.quantity, row.created_at)
            if wanted > 0:
                take(account_id, line.sku, wanted)
                row.sku, row.quantity, row.created_at = line.sku, wanted, now
            else:
                row.returned_at = now
        changed_rows.append(row)
    if changed_rows:
        ShadowDecrement.objects.bulk_update(changed_rows, ["sku", "quantity", "created_at", "returned_at"])
    if new_rows:
        ShadowDecrement.objects.bulk_create(new_rows, ignore_conflicts=True)
    levels = _apply_deltas(per_sku, per_pair, now)
    if given_back:
        reallocate_and_enqueue({sku: levels[sku][0] for sku in given_back if sku in levels})
    _rebalance_if_low({sku: v for sku, v in levels.items() if sku not in given_back})
    return {"adjusted": len(changed_rows) + len(new_rows)}


def _give_back(returned, reset_at, now) -> dict:
    if not returned:
        return {"restored": 0}
    per_sku: Counter = Counter()
    per_pair: Counter = Counter()
    for account_id, sku, qty, created_at in returned:
        if sku in reset_at and created_at >= reset_at[sku]:
            per_sku[sku] += qty
        per_pair[(sku, account_id)] -= qty
    levels = _apply_deltas(per_sku, per_pair, now)
    if levels:
        reallocate_and_enqueue({sku: shadow for sku, (shadow, _) in levels.items()})
    return {"restored": len(returned)}


def _apply_deltas(per_sku: Counter, per_pair: Counter, now) -> dict[str, tuple[int, bool]]:
    """Apply shadow deltas and ordered-since deltas under row locks in a fixed order; record depletions.
    Returns sku -> (shadow now, newly depleted)."""
    if not fast_sql():
        return _apply_deltas_portable(per_sku, per_pair, now)
    levels: dict[str, tuple[int, bool]] = {}
    with connection.cursor() as cursor:
        skus = sorted(s for s, d in per_sku.items() if d)
        if skus:
            cursor.execute(
                f"SELECT sku, depleted FROM {STOCK} WHERE sku = ANY(%s) ORDER BY sku FOR UPDATE",  # noqa: S608
                [skus],
            )
            was_depleted = dict(cursor.fetchall())
            cursor.execute(
                f"""UPDATE {STOCK} s SET shadow_available = s.shadow_available + d.delta,
                        depleted = (s.shadow_available + d.delta) <= 0,
                        depletion_count = s.depletion_count
                            + CASE WHEN NOT s.depleted AND s.shadow_available + d.delta <= 0 THEN 1 ELSE 0 END,
                        updated_at = %s
                    FROM unnest(%s::text[], %s::int[]) AS d(sku, delta)
                    WHERE s.sku = d.sku
                    RETURNING s.sku, s.shadow_available, s.depletion_count""",  # noqa: S608
                [now, skus, [per_sku[s] for s in skus]],
            )
            events = []
            for sku, shadow, count in cursor.fetchall():
                newly = shadow <= 0 and not was_depleted.get(sku, False)
                levels[sku] = (shadow, newly)
                if newly:
                    events.append(
                        StockEvent(
                            kind=StockEvent.Kind.DEPLETED, sku=sku, episode=count, details={"shadow": shadow}
                        )
                    )
            if events:
                StockEvent.objects.bulk_create(events, ignore_conflicts=True)
                log.warning("stock.depleted", extra={"skus": [e.sku for e in events][:20]})
        pairs = sorted(p for p, d in per_pair.items() if d)
        if pairs:
            cursor.execute(
                f"""SELECT p.id FROM {PUBLISHED} p
                    JOIN unnest(%s::text[], %s::bigint[]) AS d(sku, account_id)
                      ON p.sku = d.sku AND p.account_id = d.account_id
                    ORDER BY p.sku, p.account_id FOR UPDATE OF p""",  # noqa: S608
                [[p[0] for p in pairs], [p[1] for p in pairs]],
            )
            cursor.execute(
                f"""UPDATE {PUBLISHED} p
                    SET ordered_since_publish = GREATEST(p.ordered_since_publish + d.delta, 0)
                    FROM unnest(%s::text[], %s::bigint[], %s::int[]) AS d(sku, account_id, delta)
                    WHERE p.sku = d.sku AND p.account_id = d.account_id""",  # noqa: S608
                [[p[0] for p in pairs], [p[1] for p in pairs], [per_pair[p] for p in pairs]],
            )
    return levels


def _apply_deltas_portable(per_sku: Counter, per_pair: Counter, now) -> dict[str, tuple[int, bool]]:
    """The same with the ORM: rows locked in SKU order (where the database can), F() updates per SKU."""
    levels: dict[str, tuple[int, bool]] = {}
    skus = sorted(s for s, d in per_sku.items() if d)
    rows = {r.sku: r for r in StockLevel.objects.select_for_update().filter(sku__in=skus).order_by("sku")}
    events = []
    for sku in skus:
        row = rows.get(sku)
        if row is None:
            continue
        StockLevel.objects.filter(pk=row.pk).update(
            shadow_available=F("shadow_available") + per_sku[sku], updated_at=now
        )
        shadow = StockLevel.objects.values_list("shadow_available", flat=True).get(pk=row.pk)
        newly = shadow <= 0 and not row.depleted
        if newly:
            StockLevel.objects.filter(pk=row.pk).update(
                depleted=True, depletion_count=F("depletion_count") + 1
            )
            events.append(
                StockEvent(
                    kind=StockEvent.Kind.DEPLETED,
                    sku=sku,
                    episode=row.depletion_count + 1,
                    details={"shadow": shadow},
                )
            )
        elif shadow > 0 and row.depleted:
            StockLevel.objects.filter(pk=row.pk).update(depleted=False)
        levels[sku] = (shadow, newly)
    if events:
        StockEvent.objects.bulk_create(events, ignore_conflicts=True)
    for (sku, account_id), delta in sorted(per_pair.items()):
        if delta:
            PublishedQuantity.objects.filter(sku=sku, account_id=account_id).update(
                ordered_since_publish=Greatest(F("ordered_since_publish") + delta, 0)
            )
    return levels


def _rebalance_if_low(levels: dict[str, tuple[int, bool]]) -> list[str]:
    """SPEC 3 low-stock rebalance: a SKU whose remaining published quantity on some marketplace (published
    minus units ordered there since) is at most the threshold, or whose shadow stock ran out, is
    reallocated on its shadow stock now and what changed is pushed."""
    if not levels:
        return []
    ctx = AllocationContext.load()
    due = {sku for sku, (shadow, _) in levels.items() if shadow <= 0}
    rows = PublishedQuantity.objects.filter(
        sku__in=list(levels), account_id__in=list(ctx.account_ratios), published_quantity__isnull=False
    ).values_list("sku", "published_quantity", "ordered_since_publish")
    for sku, published, ordered in rows:
        if published - ordered <= ctx.low_stock_threshold:
            due.add(sku)
    if due:
        reallocate_and_enqueue({sku: levels[sku][0] for sku in due}, ctx)
    return sorted(due)


def available_for_acceptance(skus: list[str]) -> dict[str, int]:
    """The answer to marketplaces' query ``stock.for_acceptance`` (Mirakl OR21): the shadow stock of the SKUs we
    know; an unknown SKU is absent. One query."""
    return dict(StockLevel.objects.filter(sku__in=skus).values_list("sku", "shadow_available"))
