"""Mirakl (MMP Seller API) connector: one account per operator instance. OR11 for orders (by update date,
offset paging), OR21 to accept (decided by ``marketplaces.services.acceptance``), OR23 + OR24 to ship (or
ST01 per package where the operator has multi-shipment), STO01 for quantities (one CSV per push, the import
id kept; STO02 status and the STO03 error report read later by inventory's "stock.confirm" job). Never OF24
for stock: it resets every offer field not sent. Parsing is pure (``parse_order``) and tested on every
fixture in ../shared/fixtures/mirakl/.

Order states: ``WAITING_ACCEPTANCE`` waits for our decision; after it Mirakl debits the buyer
(``WAITING_DEBIT*``) and only then moves the order to ``SHIPPING``: until then the order is on hold (stored
and counted in stock, not sent to ShipStation). Each operator numbers its own orders, so the ShipStation
orderKey names the account (``order_ids_globally_unique`` False).

Split packages (reference "Unconfirmed"): OR23 holds one tracking number per order. Where the account's
``multi_shipment`` option is on, each package is one ST01 shipment with its lines, tracking and
``shipped: true``. Otherwise the first package goes as OR23 + OR24 and the later ones are recorded only:
Mirakl refuses shipping calls on an order no longer in ``SHIPPING``, which is taken as "already shipped".
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from django.core.cache import cache
from django.utils import timezone

from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from marketplaces import conf
from marketplaces.clients.mirakl import ORDERS_PAGE_MAX, MiraklClient, MiraklStateError, state_refusal
from marketplaces.connectors.base import (
    ConnectionCheck,
    MarketplaceConnector,
    OrderPage,
    PulledOrder,
    PulledOrderLine,
    QuantityResult,
    QuantityUpdate,
    ShipmentConfirmation,
)
from marketplaces.connectors.checks import run_check
from marketplaces.connectors.throttling import call_waiting_out_throttles
from marketplaces.connectors.values import aware_datetime as _dt
from marketplaces.connectors.values import decimal_or_none as _decimal
from marketplaces.connectors.values import int_or_zero as _int
from marketplaces.connectors.values import iso_utc as _iso

log = logging.getLogger(__name__)

WAITING_ACCEPTANCE = "WAITING_ACCEPTANCE"
HOLD_STATES = frozenset({"STAGING", WAITING_ACCEPTANCE, "WAITING_DEBIT", "WAITING_DEBIT_PAYMENT"})
CANCELLED_STATES = frozenset({"CANCELED", "REFUSED"})
SHIPPED_STATES = frozenset({"SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"})
PULL_STATES = (
    "WAITING_ACCEPTANCE,WAITING_DEBIT,WAITING_DEBIT_PAYMENT,SHIPPING,SHIPPED,TO_COLLECT,CANCELED,REFUSED"
)
CLOSED_LINE_STATES = frozenset({"REFUSED", "CANCELED"})
IMPORT_DONE = frozenset({"COMPLETE", "FAILED", "CANCELLED", "CANCELED"})
STOCK_CSV_COLUMNS = ("offer-sku", "quantity", "warehouse-code", "update-delete")
CARRIERS_CACHE_SECONDS = 24 * 3600  # SH21 at most once a day
MAX_THROTTLED_WAITS = 5
OTHER_CARRIER = "other"  # logistics' "no Mirakl code" (OTHER_CODE["mirakl"])
# Tracking pages of common carriers, for a carrier the operator does not know (OR23 then needs a full URL).
TRACKING_URLS = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={trackingId}",
    "ups": "https://www.ups.com/track?tracknum={trackingId}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={trackingId}",
    "dhlexpress": "https://www.dhl.com/en/express/tracking.html?AWB={trackingId}",
    "dhl": "https://www.dhl.com/en/express/tracking.html?AWB={trackingId}",
    "dhlecommerce": "https://www.dhl.com/us-en/home/tracking.html?tracking-id={trackingId}",
    "ontrac": "https://www.ontrac.com/tracking/?number={trackingId}",
    "canadapost": "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{trackingId}",
    "royalmail": "https://www.royalmail.com/track-your-item#/tracking-results/{trackingId}",
    "australiapost": "https://auspost.com.au/mypost/track/#/details/{trackingId}",
}
ANY_CARRIER_URL = "https://t.17track.net/en#nums={trackingId}"


def country_alpha2(code: str) -> str:
    """Mirakl gives ISO 3166 alpha-3 (``USA``); ShipStation wants alpha-2 (``US``)."""
    code = (code or "").strip().upper()
    if len(code) != 3:
        return code
    import pycountry

    country = pycountry.countries.get(alpha_3=code)
    return country.alpha_2 if country else code


def _line_quantity(line: dict) -> int:
    cancelled = sum(_int(c.get("quantity")) for c in line.get("cancelations") or [])
    return max(_int(line.get("quantity")) - cancelled, 0)


def _name(part: dict) -> str:
    return " ".join(p for p in (part.get("firstname"), part.get("lastname")) if p)


def parse_order(record: dict) -> PulledOrder:
    """One order of OR11's ``orders`` -> PulledOrder. Lines Mirakl refused or cancelled are left out (a
    cancelled order keeps them all, for the record)."""
    state = str(record.get("order_state") or "")
    cancelled = state in CANCELLED_STATES
    items = record.get("order_lines") or []
    open_items = [i for i in items if i.get("order_line_state") not in CLOSED_LINE_STATES] or items
    lines = [
        PulledOrderLine(
            line_id=str(item.get("order_line_id") or ""),
            sku=str(item.get("offer_sku") or "").strip(),
            quantity=_int(item.get("quantity")) if cancelled else _line_quantity(item),
            title=str(item.get("product_title") or "")[:500],
            unit_price=_decimal(item.get("price_unit")),
        )
        for item in (items if cancelled else open_items)
    ]
    customer = record.get("customer") or {}
    address = customer.get("shipping_address") or {}
    name = _name(address) or _name(customer)
    ship_to = {
        "name": name,
        "company": address.get("company") or "",
        "street1": address.get("street_1") or "",
        "street2": address.get("street_2") or "",
        "street3": "",
        "city": address.get("city") or "",
        "state": address.get("state") or "",
        "postal_code": address.get("zip_code") or "",
        "country": country_alpha2(address.get("country_iso_code") or ""),
        "phone": address.get("phone") or "",
    }
    taxes = [_decimal(t.get("total_amount")) for t in record.get("order_taxes") or []]
    taxes = [t for t in taxes if t is not None]
    return PulledOrder(
        marketplace_order_id=str(record["order_id"]),
        status=state,
        updated_at=_dt(record.get("last_updated_date")),
        purchased_at=_dt(record.get("created_date")),
        lines=lines,
        buyer={
            "name": _name(customer) or name,
            # a relay address of the operator (notification.mirakl.net), fine for ShipStation
            "email": record.get("customer_notification_email") or "",
            "phone": address.get("phone") or "",
            "ship_to": ship_to,
        },
        currency=str(record.get("currency_iso_code") or "")[:3],
        total=_decimal(record.get("total_price")),
        is_cancelled=cancelled,
        is_shipped=state in SHIPPED_STATES,
        sales_channel=str((record.get("channel") or {}).get("code") or "")[:40],
        raw=record,
        ship_by=_dt(record.get("shipping_deadline")),
        shipping_service=str(record.get("shipping_type_label") or record.get("shipping_type_code") or ""),
        shipping_amount=_decimal(record.get("shipping_price")),
        tax_amount=sum(taxes, Decimal(0)) if taxes else None,
        on_hold=state in HOLD_STATES,
    )


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def tracking_body(c: ShipmentConfirmation, carriers: list[dict]) -> dict:
    """OR23's body (also ST01's ``tracking``): the operator's carrier code where SH21 knows the carrier (by
    the mapped code, else by its name), else the carrier's name and a full tracking URL."""
    codes = {str(carrier.get("code")): carrier for carrier in carriers if carrier.get("code")}
    carrier = None
    if c.carrier_code and c.carrier_code.lower() != OTHER_CARRIER:
        carrier = codes.get(c.carrier_code) or next(
            (v for k, v in codes.items() if k.lower() == c.carrier_code.lower()), None
        )
    if carrier is None and c.carrier_name:
        wanted = _norm(c.carrier_name)
        carrier = next(
            (
                v
                for v in codes.values()
                if wanted
                and wanted in (_norm(v.get("label")), _norm(v.get("code")), _norm(v.get("standard_code")))
            ),
            None,
        )
    if carrier is not None:
        return {"carrier_code": str(carrier["code"]), "tracking_number": c.tracking_number}
    name = c.carrier_name or (c.carrier_code if c.carrier_code.lower() != OTHER_CARRIER else "") or "Carrier"
    template = TRACKING_URLS.get(_norm(name), ANY_CARRIER_URL)
    return {
        "carrier_name": name,
        "carrier_url": template.replace("{trackingId}", quote(c.tracking_number, safe="")),
        "tracking_number": c.tracking_number,
    }


def shipment_entry(c: ShipmentConfirmation, carriers: list[dict]) -> dict:
    """One ST01 shipment: this package's lines with their quantities, its tracking, shipped at once."""
    return {
        "order_id": c.marketplace_order_id,
        "shipment_lines": [{"order_line_id": line_id, "quantity": int(qty)} for line_id, qty in c.lines],
        "tracking": tracking_body(c, carriers),
        "shipped": True,
    }


def shipment_problems(answer: dict) -> list[str]:
    """The errors of a multi-shipment answer (ST01 / ST23 / ST24: ``shipment_errors[].message``), less those
    saying the order is no longer in SHIPPING (already shipped: done)."""
    messages = [
        str(e.get("message") or "") for e in answer.get("shipment_errors") or [] if isinstance(e, dict)
    ]
    return [m for m in messages if not state_refusal(m)]


def stock_csv(updates: list[QuantityUpdate], warehouse_code: str = "") -> str:
    """STO01's file: semicolon CSV, the columns of the reference, one row per SKU."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(STOCK_CSV_COLUMNS)
    for update in updates:
        writer.writerow([update.sku, max(int(update.quantity), 0), warehouse_code, "update"])
    return out.getvalue()


def error_report_rows(report: str) -> dict[str, str]:
    """STO03's CSV -> SKU -> Mirakl's message. The report repeats the file's columns and adds the error
    (``error-message``; other spellings read too, else the last column)."""
    text = report.lstrip("\ufeff")
    if not text.strip():
        return {}
    sample = text.splitlines()[0]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f for f in reader.fieldnames or []]
    sku_field = next((f for f in fields if f.strip().lower() in ("offer-sku", "sku", "shop-sku")), None)
    message_field = next(
        (f for f in fields if f.strip().lower() in ("error-message", "errors", "error", "message")),
        fields[-1] if fields else None,
    )
    rows: dict[str, str] = {}
    for row in reader:
        sku = (row.get(sku_field) or "").strip() if sku_field else ""
        if sku:
            message = (row.get(message_field) or "").strip() if message_field else ""
            rows[sku] = message or "rejected by Mirakl"
    return rows


def results_from_import(updates: list[QuantityUpdate], status: dict, report: str) -> list[QuantityResult]:
    errors = error_report_rows(report)
    failed = str(status.get("status") or "").upper() != "COMPLETE"
    results = []
    for update in updates:
        if update.sku in errors:
            results.append(QuantityResult(sku=update.sku, accepted=False, reason=errors[update.sku][:500]))
        elif failed and not errors:
            why = status.get("reason_status") or status.get("status") or "failed"
            results.append(QuantityResult(sku=update.sku, accepted=False, reason=f"import {why}"[:500]))
        else:
            results.append(QuantityResult(sku=update.sku, accepted=True))
    return results


class MiraklConnector(MarketplaceConnector):
    channel = "mirakl"
    requires_acceptance = True
    acceptance_statuses = frozenset({WAITING_ACCEPTANCE})
    order_ids_globally_unique = False  # each operator numbers its own orders
    supports_resume = True  # the next page's offset in a fixed (since, until] window
    max_quantity_batch = 100_000  # one STO01 file holds every changed SKU of a push
    update_lag = timedelta(minutes=1)

    def __init__(self, account, client: MiraklClient | None = None):
        super().__init__(account)
        self.client = client or MiraklClient(account)
        self.options = account.options or {}

    def _patiently(self, fn, *args):
        """Wait out a 429 while pacing lets this caller sleep; else the ThrottledError goes up."""
        return call_waiting_out_throttles(fn, *args, vendor=self.channel, max_waits=MAX_THROTTLED_WAITS)

    @property
    def page_size(self) -> int:
        return max(1, min(int(conf.MIRAKL_ORDERS_PAGE_SIZE), ORDERS_PAGE_MAX))

    # --- orders -------------------------------------------------------------------------------------------
    def _pages(self, query: dict, offset: int = 0) -> Iterator[OrderPage]:
        size = self.page_size
        while True:
            data = self._patiently(
                self.client.list_orders, {**query, "offset": offset, "max": size, "sort": "dateCreated"}
            )
            records = data.get("orders") or []
            total = _int(data.get("total_count"))
            offset += len(records)
            more = bool(records) and offset < total
            yield OrderPage(
                orders=[parse_order(r) for r in records], next_token=str(offset) if more else None
            )
            if not more:
                return

    def iter_orders(
        self,
        updated_since: datetime,
        updated_before: datetime | None = None,
        resume_token: str | None = None,
    ) -> Iterator[OrderPage]:
        until = updated_before or timezone.now() - self.update_lag
        query = {
            "start_update_date": _iso(updated_since),
            "end_update_date": _iso(until),
            "order_state_codes": PULL_STATES,
        }
        yield from self._pages(query, _int(resume_token))

    def list_open_orders(self) -> Iterator[PulledOrder]:
        for page in self._pages({"order_state_codes": "SHIPPING"}):
            yield from (o for o in page.orders if o.status == "SHIPPING")

    def accept_order(self, order_id: str, decisions: list[tuple[str, bool]]) -> None:
        self._patiently(self.client.accept_order, order_id, decisions)

    # --- shipments ----------------------------------------------------------------------------------------
    def carriers(self) -> list[dict]:
        """SH21, kept a day per account (at most one call a day); [] while it cannot be read (every
        carrier then goes by name and URL)."""
        digest = hashlib.sha256(self.client.base_url.encode()).hexdigest()[:12]
        key = f"mirakl:sh21:{self.account.pk}:{digest}"
        carriers = cache.get(key)
        if carriers is None:
            try:
                carriers = [c for c in self.client.carriers().get("carriers") or [] if isinstance(c, dict)]
            except (ThrottledError, RetryableError) as exc:
                log.warning("mirakl.carriers_unavailable", extra={"error": type(exc).__name__})
                return []
            cache.set(key, carriers, CARRIERS_CACHE_SECONDS)
        return carriers

    def confirm_shipment(self, confirmation: ShipmentConfirmation) -> None:
        carriers = self.carriers()
        order_id = confirmation.marketplace_order_id
        if self.options.get("multi_shipment"):
            answer = self._patiently(self.client.create_shipments, [shipment_entry(confirmation, carriers)])
            problems = shipment_problems(answer)
            if problems:
                raise PermanentError(f"ST01 {order_id}: {'; '.join(problems)}"[:1000], vendor="mirakl")
            return
        try:
            self._patiently(self.client.set_tracking, order_id, tracking_body(confirmation, carriers))
        except MiraklStateError:
            # shipped already with an earlier package: OR23 holds one tracking number; this one is recorded
            log.info("mirakl.package_recorded_only", extra={"account_id": self.account.pk})
            return
        try:
            self._patiently(self.client.ship, order_id)
        except MiraklStateError:
            log.info("mirakl.already_shipped", extra={"account_id": self.account.pk})

    # --- quantities ---------------------------------------------------------------------------------------
    def update_quantities(self, updates: list[QuantityUpdate]) -> list[QuantityResult]:
        if len(updates) > self.max_quantity_batch:
            raise ValueError(f"at most {self.max_quantity_batch} SKUs per call")
        if not updates:
            return []
        warehouse = str(self.options.get("warehouse_code") or "")
        answer = self._patiently(self.client.import_stock, stock_csv(updates, warehouse))
        import_id = str(answer.get("import_id") or "")
        if not import_id:
            raise RetryableError("STO01 answered without an import_id", vendor="mirakl")
        reason = f"Mirakl stock import {import_id} submitted, not processed yet"
        return [QuantityResult(sku=u.sku, accepted=True, reason=reason, pending=import_id) for u in updates]

    def quantity_results(self, pending: str, updates: list[QuantityUpdate]) -> list[QuantityResult] | None:
        """STO02's status, then STO03's error report where there is one; None while Mirakl imports."""
        status = self._patiently(self.client.stock_import_status, pending)
        if str(status.get("status") or "").upper() not in IMPORT_DONE:
            return None
        report = ""
        if status.get("has_error_report"):
            report = self._patiently(self.client.stock_import_error_report, pending)
        return results_from_import(updates, status, report)

    # --- connection check ---------------------------------------------------------------------------------
    def check_connection(self) -> list[ConnectionCheck]:
        if not (self.account.credentials or {}).get("api_key"):
            return [
                ConnectionCheck(
                    "credentials", False, "no api_key: generate one in the operator's back office"
                )
            ]
        checks = [ConnectionCheck("credentials", True, "shop API key stored")]

        def last_hour() -> str:
            now = timezone.now()
            data = self.client.list_orders(
                {
                    "start_update_date": _iso(now - timedelta(hours=1)),
                    "end_update_date": _iso(now),
                    "offset": 0,
                    "max": self.page_size,
                }
            )
            return f"{_int(data.get('total_count'))} order(s) (page size {self.page_size})"

        checks.append(run_check("OR11 orders of the last hour", last_hour))

        def carriers() -> str:
            found = self.carriers()
            codes = ", ".join(str(c.get("code")) for c in found[:10])
            return (
                f"{len(found)} carrier(s): {codes}"
                if found
                else "none read (unknown carriers go by name + URL)"
            )

        checks.append(run_check("SH21 carriers", carriers))
        from marketplaces.services.acceptance import POLICIES, policy_of

        policy = policy_of(self.account)
        checks.append(ConnectionCheck("acceptance policy", True, f"{policy}: {POLICIES[policy]}"))
        return checks
