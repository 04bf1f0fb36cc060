"""Eccang business rules: polling ``getOrderList`` incrementally, and processing orders from a poll or a
push the same way: keep the raw record, dedupe on (reference_no, status), apply the after-sales rules and the
status mapping, and hand shipped after-sales parcels to ``track_shipments`` (17TRACK then drives the
exception / delivered emails). Eccang orders cause no split / pre-sale email: SPEC 6 ties those to Shopify."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integration_server.http.errors import PermanentError
from integration_server.raw_payloads import store_pulled_records, webhook_job_kind
from logistics.eccang import conf
from logistics.eccang.client import EccangClient, decode_biz
from logistics.eccang.orders import (
    OTHER,
    PROBLEM,
    SHIPPED,
    EccangOrder,
    Rule,
    format_date,
    matching_rule,
    meaning_of,
    parse_order,
)
from logistics.models import EccangAccount, EccangOrderStatus, TrackedShipment
from logistics.tracking import events
from logistics.tracking.models import normalise_carrier
from logistics.tracking.services import ShipmentInfo, carrier_codes_for, track_shipments

log = logging.getLogger(__name__)

SOURCE = "eccang"


def active_rules(account: EccangAccount) -> list[Rule]:
    return [
        Rule(kind=r.kind, values=tuple(r.value_list()), label=str(r)[:200])
        for r in account.rules.filter(enabled=True).order_by("pk")
        if r.value_list()
    ]


def status_mapping(account: EccangAccount) -> dict[str, str]:
    mapping = dict(account.status_mappings.values_list("code", "meaning"))
    if not mapping:
        account.ensure_default_status_map()
        mapping = dict(account.status_mappings.values_list("code", "meaning"))
    return mapping


def shipment_info(order: EccangOrder, carrier_codes: dict[str, str] | None = None) -> ShipmentInfo:
    return ShipmentInfo(
        tracking_number=order.tracking_number,
        order_number=order.reference_no,
        recipient_email=order.email,
        customer_name=order.name,
        # no carrier name: Eccang's shipping method code means nothing to a customer; mapped to the provider's
        # carrier code through the editable table (unlisted: 17TRACK detects the carrier)
        carrier_code=(carrier_codes or {}).get(normalise_carrier(order.shipping_method), ""),
    )


def aftersales_changes(shipped: list[EccangOrder], problems: list[EccangOrder], shipments: dict) -> list:
    """What the customer of an after-sales order is told: it shipped (with its parcel), or a problem."""
    numbers = [
        o.tracking_number for o in problems if o.tracking_number and o.tracking_number not in shipments
    ]
    if numbers:
        shipments = {
            **shipments,
            **{s.tracking_number: s for s in TrackedShipment.objects.filter(tracking_number__in=numbers)},
        }
    return [
        events.AfterSalesChange(
            reference_no=o.reference_no,
            status=o.status,
            meaning=meaning,
            recipient_email=o.email,
            customer_name=o.name,
            shipment=shipments.get(o.tracking_number) if o.tracking_number else None,
        )
        for meaning, orders in ((SHIPPED, shipped), (PROBLEM, problems))
        for o in orders
    ]


@dataclass
class Counts:
    received: int = 0
    malformed: int = 0
    repeated: int = 0
    new: int = 0
    after_sales: int = 0
    tracked: int = 0
    no_tracking_number: int = 0
    late_tracking: int = 0
    reclassified: int = 0
    statuses: set = field(default_factory=set)

    def add(self, other: Counts) -> None:
        for name in (
            "received",
            "malformed",
            "repeated",
            "new",
            "after_sales",
            "tracked",
            "no_tracking_number",
            "reclassified",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.statuses |= other.statuses

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "malformed": self.malformed,
            "repeated": self.repeated,
            "new": self.new,
            "after_sales": self.after_sales,
            "tracked": self.tracked,
            "no_tracking_number": self.no_tracking_number,
            "late_tracking": self.late_tracking,
            "reclassified": self.reclassified,
        }


def process_orders(
    account: EccangAccount, items: list, *, via: str = "poll", dry_run: bool = False
) -> Counts:
    """Process order items (one page or one push) in one transaction, in a constant number of queries."""
    counts = Counts(received=len(items))
    tz = account.server_timezone
    orders: dict[tuple[str, str], EccangOrder] = {}
    for item in items:
        order = parse_order(item, account.fields_for, tz)
        if order is None:
            counts.malformed += 1
            continue
        orders.setdefault((order.reference_no, order.status), order)
    counts.statuses = {status for _, status in orders}
    if not orders:
        return counts
    rules = active_rules(account)
    mapping = status_mapping(account)
    with transaction.atomic():
        # one writer at a time (scheduled poll, manual sync, pushes): makes "new" exact
        locked = EccangAccount.objects.select_for_update().only("pk", "seen_statuses").get(pk=account.pk)
        refs = {ref for ref, _ in orders}
        seen = {
            (row.reference_no, row.status): row
            for row in EccangOrderStatus.objects.filter(reference_no__in=refs).only(
                "pk", "reference_no", "status", "after_sales", "meaning", "tracking_number"
            )
        }
        fresh = {key: order for key, order in orders.items() if key not in seen}
        # a shipped after-sales order seen before whose tracking number arrived or changed since: the same
        # (reference_no, status) row, the new number tracked too (its emails are keyed on the number)
        late = [
            (seen[key], order)
            for key, order in orders.items()
            if key in seen
            and seen[key].after_sales
            and seen[key].meaning == SHIPPED
            and order.tracking_number
            and order.tracking_number != seen[key].tracking_number
        ]
        # seen before as not after-sales, matched by a rule added since (a rewound poll re-reads them)
        reclassified = [
            (seen[key], order, rule)
            for key, order in orders.items()
            if key in seen and not seen[key].after_sales and (rule := matching_rule(order, rules)) is not None
        ]
        counts.repeated += len(orders) - len(fresh)
        counts.new = len(fresh)
        counts.reclassified = len(reclassified)
        if dry_run or not (fresh or late or reclassified):
            counts.after_sales = sum(1 for o in fresh.values() if matching_rule(o, rules))
            return counts
        raw_ids = store_pulled_records(
            SOURCE, "order", [(f"{o.reference_no}:{o.status}", "1", o.raw) for o in fresh.values()]
        )
        rows, infos, problems, shipped_orders = [], [], [], []
        carrier_codes = carrier_codes_for({o.shipping_method for o in orders.values()})
        for (ref, status), order in fresh.items():
            rule = matching_rule(order, rules)
            meaning = meaning_of(status, mapping)
            outcome = "not after-sales" if rule is None else f"after-sales, {meaning}"
            if rule is not None:
                counts.after_sales += 1
                if meaning == SHIPPED:
                    if order.tracking_number:
                        infos.append(shipment_info(order, carrier_codes))
                        shipped_orders.append(order)
                        outcome = "tracked"
                    else:
                        counts.no_tracking_number += 1
                        outcome = "shipped without a tracking number"
                elif meaning == PROBLEM:
                    problems.append(order)
                    outcome = "after-sales, problem: customer told"
            rows.append(
                EccangOrderStatus(
                    account=account,
                    reference_no=ref,
                    status=status,
                    meaning=meaning,
                    after_sales=rule is not None,
                    matched_rule=rule.label if rule else "",
                    tracking_number=order.tracking_number,
                    shipping_method=order.shipping_method[:60],
                    warehouse_code=order.warehouse_code[:60],
                    modify_date=order.modify_date,
                    outcome=outcome[:200],
                    via=via,
                    raw_payload_id=raw_ids.get(f"{ref}:{status}"),
                )
            )
        for row, order in late:
            infos.append(shipment_info(order, carrier_codes))
            shipped_orders.append(order)
            row.tracking_number = order.tracking_number
            row.outcome = "tracked (number arrived or changed later)"
        for row, order, rule in reclassified:
            counts.after_sales += 1
            row.after_sales, row.matched_rule = True, rule.label
            row.outcome = f"after-sales (rule added later), {row.meaning}"
            if row.meaning == SHIPPED and order.tracking_number:
                infos.append(shipment_info(order, carrier_codes))
                shipped_orders.append(order)
                row.tracking_number = order.tracking_number
                row.outcome = "tracked (rule added later)"
            elif row.meaning == PROBLEM:
                problems.append(order)
                row.outcome = "after-sales (rule added later), problem: customer told"
        shipments = {s.tracking_number: s for s in track_shipments(SOURCE, infos)}
        for row in rows:
            if row.outcome == "tracked":
                row.tracked_shipment = shipments.get(row.tracking_number)
        counts.tracked = len(infos)
        counts.late_tracking = len(late)
        events.AFTERSALES_CHANGED.send(aftersales_changes(shipped_orders, problems, shipments))
        EccangOrderStatus.objects.bulk_create(rows, ignore_conflicts=True)
        if late:
            for row, _ in late:
                row.tracked_shipment = shipments.get(row.tracking_number)
            EccangOrderStatus.objects.bulk_update(
                [row for row, _ in late], ["tracking_number", "outcome", "tracked_shipment"]
            )
        if reclassified:
            for row, _, _ in reclassified:
                row.tracked_shipment = shipments.get(row.tracking_number) if row.tracking_number else None
            EccangOrderStatus.objects.bulk_update(
                [row for row, _, _ in reclassified],
                ["after_sales", "matched_rule", "outcome", "tracking_number", "tracked_shipment"],
            )
        unseen = counts.statuses - set(locked.seen_statuses or [])
        if unseen:
            log.info("eccang.new_status_values", extra={"statuses": sorted(unseen)})
            merged = sorted(set(locked.seen_statuses or []) | counts.statuses)[:200]
            EccangAccount.objects.filter(pk=account.pk).update(seen_statuses=merged)
            account.seen_statuses = merged
    return counts


# --- polling --------------------------------------------------------------------------------------------------
def poll_window(
    account: EccangAccount, now: datetime, since: datetime | None = None
) -> tuple[datetime, datetime]:
    if since is not None:
        return since, now
    if account.window_mode == EccangAccount.WindowMode.CREATED:
        return now - timedelta(days=account.created_window_days), now
    if account.watermark is None:
        return now - timedelta(hours=conf.ECCANG_INITIAL_LOOKBACK_HOURS), now
    return account.watermark - timedelta(minutes=account.overlap_minutes), now


def condition_for(account: EccangAccount, start: datetime, end: datetime) -> dict:
    tz = account.server_timezone
    return {account.window_start_key: format_date(start, tz), account.window_end_key: format_date(end, tz)}


def poll_account(
    account: EccangAccount,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    dry_run: bool = False,
    progress=None,
    client: EccangClient | None = None,
) -> dict:
    """Page through ``getOrderList`` for the window, processing each page as it comes; the watermark moves
    to the window end only once every page is done (a failure re-reads the window next time)."""
    now = now or timezone.now()
    start, end = poll_window(account, now, since)
    condition = condition_for(account, start, end)
    client = client or EccangClient(account)
    totals = Counts()
    page, pages = 1, 0
    complete = False
    while pages < conf.ECCANG_MAX_PAGES_PER_RUN:
        result = client.get_order_list(page=page, page_size=account.page_size, condition=condition)
        pages += 1
        if result.items:
            totals.add(process_orders(account, result.items, via="poll", dry_run=dry_run))
        if progress:
            progress(page, result.total, totals)
        if (
            not result.items
            or len(result.items) < account.page_size
            or (result.total is not None and page * account.page_size >= result.total)
        ):
            complete = True
            break
        page += 1
    summary = {**totals.as_dict(), "pages": pages, "complete": complete, "window_start": start.isoformat()}
    if not dry_run:
        fields = {"last_polled_at": now, "last_poll_result": summary}
        if complete and since is None:
            fields["watermark"] = end
        EccangAccount.objects.filter(pk=account.pk).update(**fields)
        for name, value in fields.items():
            setattr(account, name, value)
    log.info("eccang.poll", extra={"account": account.pk, **totals.as_dict(), "pages": pages})
    return summary


def due_accounts(now: datetime | None = None) -> list[EccangAccount]:
    now = now or timezone.now()
    due = []
    for account in EccangAccount.objects.filter(enabled=True):
        if not account.app_secret:  # encrypted: no lookup on it
            continue
        interval = timedelta(minutes=account.poll_interval_minutes) - timedelta(seconds=30)
        if account.last_polled_at is None or now - account.last_polled_at >= interval:
            due.append(account)
    return due


def check_connection(account: EccangAccount, *, now: datetime | None = None) -> dict:
    """The reference's connection check: getOrderList (page 1, size 1, a one-day window) signed uppercase,
    then lowercase if refused, each with a fresh timestamp and nonce. Reports the accepted case and the keys
    of the first item (to confirm the field names); changes nothing."""
    now = now or timezone.now()
    condition = condition_for(account, now - timedelta(days=1), now)
    client = EccangClient(account)
    refused = {}
    for case in ("upper", "lower"):
        try:
            page = client.get_order_list(page=1, page_size=1, condition=condition, case=case)
        except PermanentError as exc:
            refused[case] = str(exc)
            continue
        first = page.items[0] if page.items and isinstance(page.items[0], dict) else {}
        return {
            "ok": True,
            "sign_case": case,
            "total": page.total,
            "item_keys": sorted(first),
            "refused": refused,
        }
    return {"ok": False, "sign_case": None, "refused": refused}


# --- pushes on /webhook/yicang ------------------------------------------------------------------------------
def orders_in_push(payload: dict) -> list:
    """The order items of a push: ``biz_content`` (a JSON string) holds one order, a list, or
    ``{"data": [...]}`` like a getOrderList page."""
    biz = decode_biz(payload.get("biz_content"))
    if isinstance(biz, dict) and isinstance(biz.get("data"), list):
        return biz["data"]
    if isinstance(biz, dict):
        return [biz]
    if isinstance(biz, list):
        return biz
    raise TypeError("biz_content holds no order")


@webhook_job_kind("eccang", retries=5)
def process_push(raw, payload) -> dict | str:
    """Eccang order push (/webhook/yicang): dedupe, after-sales rules, track shipped parcels. The verified push's orders, like a polled page."""
    if isinstance(payload, bytes | str):
        payload = json.loads(payload)
    account = EccangAccount.objects.filter(app_key=payload.get("app_key"), enabled=True).first()
    if account is None:
        raise PermanentError("no enabled Eccang account for this app_key", vendor=SOURCE)
    items = orders_in_push(payload)
    counts = process_orders(account, items, via="push")
    if counts.new == 0 and counts.malformed == counts.received:
        return "ignored"
    return counts.as_dict()


__all__ = ["OTHER", "SOURCE", "poll_account", "process_orders", "process_push"]
