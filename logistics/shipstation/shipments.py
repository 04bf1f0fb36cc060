"""Shipments read back from ShipStation (SHIP_NOTIFY re-fetch and the /shipments + /fulfillments polls):
parsed (pure), matched to our orders by orderKey (ShipStation order id, then orderNumber + store as
fallbacks), recorded once per ShipStation id, and a "push tracking" job queued per package."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from integration_server.http.errors import PermanentError, RetryableError
from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_jobs
from integration_server.raw_payloads import store_pulled_records, webhook_job_kind
from logistics.models import ShipStationAccount, ShipStationOrder, ShipStationShipment
from logistics.shipstation import conf
from logistics.shipstation.accounts import client_for, require_account
from logistics.shipstation.order_payload import SHIPSTATION_TIME_ZONE
from logistics.shipstation.resource_urls import resource_url_allowed
from marketplaces.models import Order
from marketplaces.services import order_state

log = logging.getLogger(__name__)

PUSH_TRACKING_KIND = "orders.push_tracking"
SHIP_EVENTS = ("SHIP_NOTIFY", "ITEM_SHIP_NOTIFY", "FULFILLMENT_SHIPPED")
Source = ShipStationShipment.Source
TState = ShipStationShipment.TrackingState


@dataclass
class ParsedShipment:
    source: str
    external_id: int
    shipstation_order_id: int | None
    order_key: str
    order_number: str
    tracking_number: str
    carrier_code: str
    service_code: str
    ship_date: date | None
    voided: bool
    store_id: int | None = None
    items: list[dict] = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)


def _date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def parse_shipment(record: dict) -> ParsedShipment:
    """One element of GET /shipments -> shipments[]. Adjustment lines (discounts) are dropped."""
    items = [
        {
            "lineItemKey": i.get("lineItemKey"),
            "sku": i.get("sku") or "",
            "quantity": int(i.get("quantity") or 0),
        }
        for i in record.get("shipmentItems") or []
        if not i.get("adjustment")
    ]
    return ParsedShipment(
        source=Source.SHIPMENT,
        external_id=int(record["shipmentId"]),
        shipstation_order_id=record.get("orderId"),
        order_key=record.get("orderKey") or "",
        order_number=record.get("orderNumber") or "",
        tracking_number=record.get("trackingNumber") or "",
        carrier_code=record.get("carrierCode") or "",
        service_code=record.get("serviceCode") or "",
        ship_date=_date(record.get("shipDate")),
        voided=bool(record.get("voided")),
        store_id=(record.get("advancedOptions") or {}).get("storeId"),
        items=items,
        raw=record,
    )


def parse_fulfillment(record: dict) -> ParsedShipment:
    """One element of GET /fulfillments -> fulfillments[] (orders marked as shipped; no items, no orderKey)."""
    return ParsedShipment(
        source=Source.FULFILLMENT,
        external_id=int(record["fulfillmentId"]),
        shipstation_order_id=record.get("orderId"),
        order_key="",
        order_number=record.get("orderNumber") or "",
        tracking_number=record.get("trackingNumber") or "",
        carrier_code=record.get("carrierCode") or "",
        service_code=record.get("fulfillmentServiceCode") or "",
        ship_date=_date(record.get("shipDate")),
        voided=bool(record.get("voided")),
        raw=record,
    )


def push_group(account_id) -> str:
    """Tracking pushes run grouped per marketplace account (one worker task drains them)."""
    return f"account:{account_id}"


def _match(parsed: list[ParsedShipment]) -> dict[int, int]:
    """external id -> our order id, with three queries at most whatever the number of shipments."""
    keys = {p.order_key for p in parsed if p.order_key}
    ss_ids = {p.shipstation_order_id for p in parsed if p.shipstation_order_id}
    rows = ShipStationOrder.objects.filter(
        Q(order_key__in=keys) | Q(shipstation_order_id__in=ss_ids)
    ).values_list("order_key", "shipstation_order_id", "order_id", "store_id")
    by_key, by_ss_id = {}, {}
    for key, ss_id, order_id, _store in rows:
        by_key[key] = order_id
        if ss_id:
            by_ss_id[ss_id] = order_id
    matched: dict[int, int] = {}
    fallback = []
    for p in parsed:
        order_id = by_key.get(p.order_key) if p.order_key else None
        order_id = order_id or by_ss_id.get(p.shipstation_order_id)
        if order_id:
            matched[p.external_id] = order_id
        elif p.order_number:
            fallback.append(p)
    if fallback:
        candidates: dict[str, list[tuple[int, int | None]]] = {}
        for order_id, number, store in Order.objects.filter(
            marketplace_order_id__in={p.order_number for p in fallback}
        ).values_list("id", "marketplace_order_id", "account__shipstation_store_id"):
            candidates.setdefault(number, []).append((order_id, store))
        for p in fallback:
            found = candidates.get(p.order_number, [])
            if p.store_id is not None:
                found = [c for c in found if c[1] == p.store_id]
            if len(found) == 1:  # order numbers repeat across marketplaces: never guess between two
                matched[p.external_id] = found[0][0]
    return matched


def record_shipments(parsed: list[ParsedShipment], via: str) -> dict[str, int]:
    """Store shipments not seen before (either path), queue one tracking push per new package."""
    counts = {"seen": len(parsed), "new": 0, "unmatched": 0, "voided": 0, "pushes": 0}
    if not parsed:
        return counts
    with transaction.atomic():
        existing = {
            (source, ext): (pk, voided, state)
            for pk, source, ext, voided, state in ShipStationShipment.objects.filter(
                Q(
                    source=Source.SHIPMENT,
                    external_id__in=[p.external_id for p in parsed if p.source == Source.SHIPMENT],
                )
                | Q(
                    source=Source.FULFILLMENT,
                    external_id__in=[p.external_id for p in parsed if p.source == Source.FULFILLMENT],
                )
            ).values_list("pk", "source", "external_id", "voided", "tracking_state")
        }
        newly_voided = [
            existing[(p.source, p.external_id)][0]
            for p in parsed
            if p.voided
            and (p.source, p.external_id) in existing
            and not existing[(p.source, p.external_id)][1]
        ]
        if newly_voided:
            # A label voided after its tracking reached the marketplace: the buyer was told a number that
            # will not move. Ops must see it on the shipment (state + problem), not only in a log line.
            pushed = ShipStationShipment.objects.filter(
                pk__in=newly_voided, tracking_state=TState.PUSHED
            ).update(
                voided=True,
                tracking_state=TState.VOIDED_AFTER_PUSH,
                problem="The label was voided in ShipStation after its tracking number was pushed to the "
                "marketplace: correct the tracking on the marketplace (or push the replacement label).",
            )
            if pushed:
                log.warning("shipstation.voided_after_push", extra={"count": pushed})
            ShipStationShipment.objects.filter(pk__in=newly_voided).exclude(
                tracking_state=TState.VOIDED_AFTER_PUSH
            ).update(voided=True)
            counts["voided"] = len(newly_voided)
        fresh = {(p.source, p.external_id): p for p in parsed if (p.source, p.external_id) not in existing}
        if not fresh:
            return counts
        matched = _match(list(fresh.values()))
        store_pulled_records(
            "shipstation",
            "shipment",
            [(f"{p.source}:{p.external_id}", "voided" if p.voided else "v1", p.raw) for p in fresh.values()],
        )
        account_of = dict(Order.objects.filter(pk__in=set(matched.values())).values_list("id", "account_id"))
        rows = []
        for p in fresh.values():
            order_id = matched.get(p.external_id)
            if p.voided:
                state = TState.VOIDED
            elif order_id is None:
                state = TState.UNMATCHED
            elif not p.tracking_number:
                state = TState.SKIPPED
            else:
                state = TState.PENDING
            rows.append(
                ShipStationShipment(
                    source=p.source,
                    external_id=p.external_id,
                    order_id=order_id,
                    shipstation_order_id=p.shipstation_order_id,
                    order_key=p.order_key[:200],
                    order_number=p.order_number[:100],
                    tracking_number=p.tracking_number[:100],
                    carrier_code=p.carrier_code[:60],
                    service_code=p.service_code[:100],
                    ship_date=p.ship_date,
                    voided=p.voided,
                    items=p.items,
                    received_via=via,
                    tracking_state=state,
                    problem="" if order_id or p.voided else "No order of ours matches this shipment.",
                )
            )
        try:
            with transaction.atomic():
                created = ShipStationShipment.objects.bulk_create(rows)
        except IntegrityError:  # the other path (webhook / poll) stored some of them meanwhile
            created = []
            for row in rows:
                with transaction.atomic():
                    if not ShipStationShipment.objects.filter(
                        source=row.source, external_id=row.external_id
                    ).exists():
                        row.save()
                        created.append(row)
        counts["new"] = len(created)
        counts["unmatched"] = sum(1 for r in created if r.tracking_state == TState.UNMATCHED)
        to_push = [r for r in created if r.tracking_state == TState.PENDING]
        if to_push:  # the same package seen as a label and as a fulfillment is pushed once
            known = set(
                ShipStationShipment.objects.filter(
                    order_id__in={r.order_id for r in to_push},
                    tracking_number__in={r.tracking_number for r in to_push},
                )
                .exclude(pk__in=[r.pk for r in to_push])
                .values_list("order_id", "tracking_number")
            )
            repeats = [r for r in to_push if (r.order_id, r.tracking_number) in known]
            if repeats:
                ShipStationShipment.objects.filter(pk__in=[r.pk for r in repeats]).update(
                    tracking_state=TState.SKIPPED,
                    problem="Same tracking number as another record of this order.",
                )
                to_push = [r for r in to_push if (r.order_id, r.tracking_number) not in known]
        if to_push:
            jobs = enqueue_jobs(
                [
                    OutboundJob(
                        kind=PUSH_TRACKING_KIND,
                        payload={"shipment_id": r.pk},
                        # one push per package: a fulfillment repeating a label's tracking number is not re-sent
                        dedupe_key=f"{r.order_id}:{r.tracking_number}",
                        group_key=push_group(account_of.get(r.order_id)),
                    )
                    for r in to_push
                ]
            )
            counts["pushes"] = len(jobs)
        shipped_orders = {r.order_id for r in created if r.order_id and not r.voided}
        if shipped_orders:
            update_shipped_states(shipped_orders)
    if counts["unmatched"]:
        log.warning("shipstation.unmatched_shipments", extra={"count": counts["unmatched"]})
    return counts


def shipped_quantities(lines, shipments) -> dict[int, int]:
    """Units shipped per order line (pk) from an order's packages: by lineItemKey (= our line id), else by
    SKU; a package without items (an order marked shipped: a fulfillment) covers every line. Pure."""
    by_id = {line.line_id: line for line in lines}
    by_sku = {line.sku: line for line in lines if line.sku}
    shipped = {line.pk: 0 for line in lines}
    for items in shipments:
        if not items:
            return {line.pk: line.quantity for line in lines}
        for item in items:
            line = by_id.get(item.get("lineItemKey") or "") or by_sku.get(item.get("sku") or "")
            if line is not None:
                shipped[line.pk] += int(item.get("quantity") or 0)
    return shipped


def update_shipped_states(order_ids: set[int]) -> None:
    """SHIPPED once every line's quantity is covered by the order's (not voided) packages, else PARTIALLY
    SHIPPED. Two queries whatever the number of orders; orders cancelled or already shipped are left."""
    from marketplaces.models import OrderLine

    lines: dict[int, list] = {}
    for line in OrderLine.objects.filter(order_id__in=order_ids, order__state__in=order_state.OPEN).only(
        "pk", "order_id", "line_id", "sku", "quantity"
    ):
        lines.setdefault(line.order_id, []).append(line)
    packages: dict[int, list] = {}
    for order_id, items in ShipStationShipment.objects.filter(
        order_id__in=list(lines), voided=False
    ).values_list("order_id", "items"):
        packages.setdefault(order_id, []).append(items or [])
    full, partial = [], []
    for order_id, order_lines in lines.items():
        shipped = shipped_quantities(order_lines, packages.get(order_id, []))
        if all(shipped[line.pk] >= line.quantity for line in order_lines):
            full.append(order_id)
        elif any(shipped.values()):
            partial.append(order_id)
    if full:
        order_state.mark_shipped(full)
    if partial:
        order_state.mark_partially_shipped(partial)


# --- the webhook's processing (worker) ------------------------------------------------------------------
def with_shipment_items(url: str) -> str:
    """A /shipments resource_url asking for the items too (ShipStation's has no includeShipmentItems): the
    first answer then carries them, and a SHIP_NOTIFY costs one request of the key's budget, not two."""
    parts = urlsplit(url)
    if not parts.path.rstrip("/").endswith("/shipments"):
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() != "includeshipmentitems"
    ]
    return urlunsplit(parts._replace(query=urlencode([*query, ("includeShipmentItems", "true")])))


@webhook_job_kind("shipstation", retries=3)
def process_ship_notify(raw, payload) -> dict | str:
    """Fetch a SHIP_NOTIFY resource and record its shipments: the resource_url is fetched with our
    credentials; the body is never trusted."""
    if not isinstance(payload, dict):
        return "ignored"
    kind = payload.get("resource_type")
    url = payload.get("resource_url") or ""
    if kind not in SHIP_EVENTS:
        return "ignored"
    account = require_account()
    if not resource_url_allowed(url, account.allowed_resource_hosts, account.base_url):
        raise PermanentError("resource_url host is not an allowed ShipStation host", vendor="shipstation")
    client = client_for(account)
    parsed = []
    url = with_shipment_items(url)
    data = client.get_resource(url)
    pages = [data]
    total_pages = int(data.get("pages") or 1) if isinstance(data, dict) else 1
    for page in range(2, total_pages + 1):
        sep = "&" if "?" in url else "?"
        pages.append(client.get_resource(f"{url}{sep}page={page}"))
    for data in pages:
        for record in data.get("shipments") or []:
            parsed.append(parse_shipment(record))
        for record in data.get("fulfillments") or []:
            parsed.append(parse_fulfillment(record))
    missing_items = [
        p for p in parsed if p.source == Source.SHIPMENT and not p.items and p.shipstation_order_id
    ]
    for order_id in {p.shipstation_order_id for p in missing_items}:
        full = {}
        for batch in client.list_shipments(orderId=order_id):
            full.update({int(r["shipmentId"]): r for r in batch})
        for p in missing_items:
            if p.shipstation_order_id == order_id and p.external_id in full:
                p.items = parse_shipment(full[p.external_id]).items
    return record_shipments(parsed, via="webhook")


# --- polling (the safety net) ---------------------------------------------------------------------------
def _ss_time(value: datetime) -> str:
    """A filter time as ShipStation V1 reads it: Pacific local time without an offset. (In UTC, the window
    would start 7-8 hours after the last poll and miss every shipment made since.)"""
    return value.astimezone(SHIPSTATION_TIME_ZONE).strftime("%Y-%m-%d %H:%M:%S")


class PollInterrupted(RetryableError):
    """A page failed midway: what was read is stored; ``resume`` says where the run continues."""

    def __init__(self, message: str, resume: dict, **kwargs):
        super().__init__(message, **kwargs)
        self.resume = resume

    def __str__(self):
        return self.args[0]


def poll_shipstation(account: ShipStationAccount | None = None, resume: dict | None = None) -> dict:
    """Shipments and fulfillments created since the watermarks (minus the overlap), all pages. A retryable
    failure on a page raises ``PollInterrupted`` with the point to resume from (``resume``: the list, its
    window start, the page, and the run's start that becomes the watermarks)."""
    account = account or require_account()
    client = client_for(account)
    started = datetime.fromisoformat(resume["started"]) if resume else timezone.now()
    overlap = timedelta(minutes=conf.SHIPSTATION_POLL_OVERLAP_MINUTES)
    first = started - timedelta(days=conf.SHIPSTATION_FIRST_POLL_DAYS)
    totals = {"shipments": 0, "fulfillments": 0, "new": 0, "pushes": 0}
    lists = [
        ("shipments", client.list_shipments, parse_shipment, account.shipments_watermark),
        ("fulfillments", client.list_fulfillments, parse_fulfillment, account.fulfillments_watermark),
    ]
    names = [name for name, *_ in lists]
    for name, lister, parse, watermark in lists:
        if resume and names.index(name) < names.index(resume["list"]):
            continue  # read completely by the interrupted run
        here = resume if resume and resume["list"] == name else None
        since = (
            datetime.fromisoformat(here["since"]) if here else (watermark - overlap if watermark else first)
        )
        page = here["page"] if here else 1
        try:
            for batch in lister(start_page=page, createDateStart=_ss_time(since)):
                counts = record_shipments([parse(r) for r in batch], via="poll")
                totals[name] += len(batch)
                totals["new"] += counts["new"]
                totals["pushes"] += counts["pushes"]
                page += 1
        except Exception as exc:
            ShipStationAccount.objects.filter(pk=account.pk).update(
                last_poll_at=timezone.now(), last_poll_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            if not isinstance(exc, RetryableError):
                raise
            point = {"list": name, "since": since.isoformat(), "page": page, "started": started.isoformat()}
            raise PollInterrupted(f"{name} page {page}: {exc}", point, vendor="shipstation") from exc
    # a retry finishing after a newer run must not move the watermarks back
    ShipStationAccount.objects.filter(pk=account.pk).filter(
        Q(shipments_watermark__isnull=True) | Q(shipments_watermark__lt=started)
    ).update(shipments_watermark=started, fulfillments_watermark=started)
    ShipStationAccount.objects.filter(pk=account.pk).update(last_poll_at=timezone.now(), last_poll_error="")
    return totals
