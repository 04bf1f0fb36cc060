"""Mirakl (MMP Seller API) simulator: several operator instances in one process, each under its own path
prefix (``<base>/<operator>``) with its own shop key, orders, carriers and stock imports.

Built from reference/mirakl.md and its fixtures: the bare key in ``Authorization`` (a ``Bearer`` prefix is
refused), OR11 by update date with ``offset``/``max`` (max 100) and ``total_count``, OR21 needing a decision
for every line (``ORDER_LINE_ACCEPTANCE_DECISION_MISSING``), the debit step before ``SHIPPING``
(``auto_debit`` or ``debit()``), OR23 / OR24 / ST01 refused on an order no longer in ``SHIPPING`` with the
ST01 example's words, SH21's carriers, STO01 (multipart semicolon CSV) -> STO02 status -> STO03 error report.
OR11 and STO01 answer 429 with ``Retry-After`` when called twice within a minute per operator (SH21 within a
day); ``next_minute()`` lets a test move on. State is in memory.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP

from integration_server.simulators.base import FixedWindowLimiter, SimRequest, Simulator, json_response, route

CARRIERS = [
    {
        "code": "FED",
        "label": "Fed Ex",
        "standard_code": "FED",
        "tracking_url": "http://www.fedex.com/Tracking?action=track&tracknumbers={trackingId}",
    },
    {
        "code": "UPS",
        "label": "UPS",
        "standard_code": "UPS",
        "tracking_url": "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={trackingId}",
    },
    {
        "code": "DHL",
        "label": "DHL",
        "standard_code": "DHL",
        "tracking_url": "http://www.dhl.co.uk/en/express/tracking.html?AWB={trackingId}&brand=DHL",
    },
]
LIMITED = {"OR11": 60.0, "STO01": 60.0, "SH21": 86400.0}
STOCK_COLUMNS = ["offer-sku", "quantity", "warehouse-code", "update-delete"]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _error(status: int, message: str, headers: dict | None = None):
    return json_response(status, {"status": status, "message": message}, headers)


@dataclass
class Operator:
    name: str
    api_key: str
    auto_debit: bool = True  # accepted orders reach SHIPPING at once (else ``debit()``)
    carriers: list[dict] = field(default_factory=lambda: copy.deepcopy(CARRIERS))
    orders: dict[str, dict] = field(default_factory=dict)
    offers: dict[str, int] = field(default_factory=dict)  # offer sku -> quantity (STO01)
    rejected_skus: dict[str, str] = field(default_factory=dict)  # sku -> the error STO03 reports
    imports: dict[str, dict] = field(default_factory=dict)
    tracking: dict[str, list[dict]] = field(default_factory=dict)  # order id -> every OR23 / ST01 tracking
    shipments: list[dict] = field(default_factory=list)  # ST01 shipments accepted
    import_processing_reads: int = 0  # STO02 says RUNNING this many times first


class MiraklSimulator(Simulator):
    name = "mirakl"

    def __init__(self, operators: dict[str, str] | None = None):
        """``operators``: name -> shop API key."""
        super().__init__()
        self.operators: dict[str, Operator] = {}
        for name, key in (operators or {"operator-a": "sim-mirakl-key-a"}).items():
            self.add_operator(name, key)
        self._limits = {op: FixedWindowLimiter(1, window) for op, window in LIMITED.items()}
        self._ids = itertools.count(2044)
        # how old a change looks when Mirakl records it: a test sets a few minutes so that the next pull's
        # window (which ends a minute in the past) already holds it
        self.touch_age = timedelta(0)
        self.failures: dict[str, int] = {}  # operation -> how many next calls answer 503

    # --- test and demo helpers ---------------------------------------------------------------------------
    def add_operator(self, name: str, api_key: str, **kwargs) -> Operator:
        with self.lock:
            self.operators[name] = Operator(name=name, api_key=api_key, **kwargs)
            return self.operators[name]

    def url(self, operator: str) -> str:
        return f"{self.base_url}/{operator}"

    def next_minute(self) -> None:
        """Forget the frequency windows (as if a minute, or a day for SH21, had passed)."""
        self._limits = {op: FixedWindowLimiter(1, window) for op, window in LIMITED.items()}

    def add_order(
        self,
        operator: str,
        order_id: str | None = None,
        *,
        lines: list[dict] | None = None,
        state: str = "WAITING_ACCEPTANCE",
        updated: datetime | None = None,
        country: str = "USA",
    ) -> dict:
        """An order in OR11's shape. ``lines``: [{"sku", "quantity", "price"}]."""
        op = self.operators[operator]
        updated = updated or (_now() - timedelta(minutes=3))
        with self.lock:
            order_id = order_id or f"MIR-{next(self._ids):06d}-A"
        lines = lines if lines is not None else [{"sku": "SKU-000000", "quantity": 1}]
        order_lines = []
        for n, line in enumerate(lines, start=1):
            quantity, price = int(line.get("quantity", 1)), float(line.get("price", 25.0))
            order_lines.append(
                {
                    "order_line_id": f"{order_id}-{n}",
                    "order_line_index": n,
                    "order_line_state": state,
                    "offer_sku": line.get("sku"),
                    "offer_id": 2000 + n,
                    "product_title": line.get("title", f"Simulated product {line.get('sku')}"),
                    "quantity": quantity,
                    "price_unit": price,
                    "price": round(price * quantity, 2),
                    "shipping_price": 4.0,
                    "total_price": round(price * quantity + 4.0, 2),
                    "cancelations": [],
                    "created_date": _iso(updated - timedelta(minutes=10)),
                    "last_updated_date": _iso(updated),
                }
            )
        record = {
            "order_id": order_id,
            "commercial_id": order_id.rsplit("-", 1)[0],
            "order_state": state,
            "channel": {"code": "US", "label": "Website US"},
            "created_date": _iso(updated - timedelta(minutes=10)),
            "last_updated_date": _iso(updated),
            "currency_iso_code": "USD",
            "customer": {
                "customer_id": f"cust-{order_id}",
                "firstname": "Stella",
                "lastname": "Lettiere",
                "shipping_address": {
                    "firstname": "Stella",
                    "lastname": "Lettiere",
                    "company": "",
                    "street_1": "113 MacDougal Street",
                    "street_2": "1st floor",
                    "city": "New York",
                    "state": "NY",
                    "zip_code": "10012",
                    "country": "USA",
                    "country_iso_code": country,
                    "phone": "5555550100",
                },
            },
            "customer_notification_email": f"notification+{order_id.lower()}@notification.mirakl.net",
            "order_lines": order_lines,
            "price": round(sum(line["price"] for line in order_lines), 2),
            "shipping_price": 4.0 * len(order_lines),
            "total_price": round(sum(line["total_price"] for line in order_lines), 2),
            "shipping_deadline": _iso(updated + timedelta(days=2)),
            "shipping_type_code": "STD",
            "shipping_type_label": "Standard",
            "order_taxes": [],
        }
        with self.lock:
            op.orders[order_id] = record
        return record

    def _touch(self, record: dict, state: str | None = None, line_state: str | None = None) -> None:
        now = _iso(_now() - self.touch_age)
        record["last_updated_date"] = now
        if state:
            record["order_state"] = state
        for line in record["order_lines"]:
            if line_state and line["order_line_state"] not in ("REFUSED", "CANCELED"):
                line["order_line_state"] = line_state
            line["last_updated_date"] = now

    def debit(self, operator: str, order_id: str) -> None:
        """The operator debited the buyer: an accepted order moves to SHIPPING."""
        with self.lock:
            record = self.operators[operator].orders[order_id]
            if record["order_state"].startswith("WAITING_DEBIT"):
                self._touch(record, "SHIPPING", "SHIPPING")

    def cancel_order(self, operator: str, order_id: str) -> None:
        with self.lock:
            record = self.operators[operator].orders[order_id]
            self._touch(record, "CANCELED", "CANCELED")

    # --- plumbing -----------------------------------------------------------------------------------------
    def _operator(self, request: SimRequest, name: str, operation: str):
        op = self.operators.get(name)
        if op is None:
            return None, _error(404, f"No operator instance {name}")
        if request.headers.get("authorization", "") != op.api_key:
            return None, _error(401, "Unauthorized")
        with self.lock:
            if self.failures.get(operation):
                self.failures[operation] -= 1
                return None, _error(503, "Service temporarily unavailable")
        limit = self._limits.get(operation)
        if limit is not None:
            wait = limit.hit(f"{name}:{operation}")
            if wait is not None:
                return None, _error(429, "Too many requests", {"Retry-After": str(max(int(wait), 1))})
        return op, None

    # --- orders -------------------------------------------------------------------------------------------
    @route("GET", r"/([\w.-]+)/api/orders")
    def list_orders(self, request: SimRequest, name: str):
        op, denied = self._operator(request, name, "OR11")
        if denied:
            return denied
        try:
            offset, size = int(request.arg("offset", "0")), int(request.arg("max", "10"))
        except ValueError:
            return _error(400, "offset and max must be numbers")
        if not 1 <= size <= 100:
            return _error(400, "max must be between 1 and 100")
        start, end = _parse(request.arg("start_update_date")), _parse(request.arg("end_update_date"))
        states = {s for s in (request.arg("order_state_codes") or "").split(",") if s}
        ids = {s for s in (request.arg("order_ids") or "").split(",") if s}
        with self.lock:
            matching = []
            for record in op.orders.values():
                at = _parse(record["last_updated_date"])
                if start and at < start or end and at > end:
                    continue
                if states and record["order_state"] not in states or ids and record["order_id"] not in ids:
                    continue
                matching.append(record)
            matching.sort(key=lambda r: (r["created_date"], r["order_id"]))
            page = copy.deepcopy(matching[offset : offset + size])
        return json_response(200, {"orders": page, "total_count": len(matching)})

    @route("PUT", r"/([\w.-]+)/api/orders/([^/]+)/accept")
    def accept(self, request: SimRequest, name: str, order_id: str):
        op, denied = self._operator(request, name, "OR21")
        if denied:
            return denied
        with self.lock:
            record = op.orders.get(order_id)
            if record is None:
                return _error(404, f"Order {order_id} not found")
            if record["order_state"] != "WAITING_ACCEPTANCE":
                return _error(
                    400, f"The order status must be 'WAITING_ACCEPTANCE' but it is '{record['order_state']}'."
                )
            decisions = {
                d.get("id"): d.get("accepted") for d in (request.json() or {}).get("order_lines") or []
            }
            missing = [
                line["order_line_id"]
                for line in record["order_lines"]
                if line["order_line_id"] not in decisions
            ]
            if missing:
                return _error(400, f"ORDER_LINE_ACCEPTANCE_DECISION_MISSING: {', '.join(missing)}")
            for line in record["order_lines"]:
                if not decisions[line["order_line_id"]]:
                    line["order_line_state"] = "REFUSED"
            accepted = any(decisions.values())
            after = ("SHIPPING" if op.auto_debit else "WAITING_DEBIT") if accepted else "REFUSED"
            self._touch(record, after, after if accepted else None)
        return 204, b"", {}

    def _shipping_refusal(self, record: dict | None, order_id: str):
        if record is None:
            return _error(404, f"Order {order_id} not found")
        if record["order_state"] != "SHIPPING":
            return _error(400, f"The order status must be 'SHIPPING' but it is '{record['order_state']}'.")
        return None

    def _tracking_problem(self, op: Operator, body: dict) -> str:
        if not body.get("tracking_number"):
            return "tracking_number is required"
        if body.get("carrier_code"):
            if body["carrier_code"] not in {c["code"] for c in op.carriers}:
                return f"Unknown carrier code {body['carrier_code']}"
            return ""
        if not body.get("carrier_name") or not str(body.get("carrier_url") or "").startswith(
            ("http://", "https://")
        ):
            return "carrier_code, or carrier_name and a full carrier_url, are required"
        return ""

    @route("PUT", r"/([\w.-]+)/api/orders/([^/]+)/tracking")
    def tracking(self, request: SimRequest, name: str, order_id: str):
        op, denied = self._operator(request, name, "OR23")
        if denied:
            return denied
        body = request.json() or {}
        with self.lock:
            record = op.orders.get(order_id)
            refused = self._shipping_refusal(record, order_id)
            if refused:
                return refused
            problem = self._tracking_problem(op, body)
            if problem:
                return _error(400, problem)
            op.tracking.setdefault(order_id, []).append(body)
            record["shipping_tracking"] = body["tracking_number"]
            self._touch(record)
        return 204, b"", {}

    @route("PUT", r"/([\w.-]+)/api/orders/([^/]+)/ship")
    def ship(self, request: SimRequest, name: str, order_id: str):
        op, denied = self._operator(request, name, "OR24")
        if denied:
            return denied
        with self.lock:
            record = op.orders.get(order_id)
            refused = self._shipping_refusal(record, order_id)
            if refused:
                return refused
            self._touch(record, "SHIPPED", "SHIPPED")
        return 204, b"", {}

    @route("POST", r"/([\w.-]+)/api/shipments")
    def create_shipments(self, request: SimRequest, name: str):
        op, denied = self._operator(request, name, "ST01")
        if denied:
            return denied
        success, errors = [], []
        with self.lock:
            for shipment in (request.json() or {}).get("shipments") or []:
                order_id = shipment.get("order_id")
                record = op.orders.get(order_id)
                refused = self._shipping_refusal(record, order_id)
                problem = (
                    json_message(refused)
                    if refused
                    else self._tracking_problem(op, shipment.get("tracking") or {})
                )
                if problem:
                    errors.append({"order_id": order_id, "message": problem})
                    continue
                entry = {
                    "id": f"shp-{len(op.shipments) + 1}",
                    "order_id": order_id,
                    "status": "SHIPPED",
                    **shipment,
                }
                op.shipments.append(entry)
                op.tracking.setdefault(order_id, []).append(shipment.get("tracking") or {})
                shipped = {}
                for s in op.shipments:
                    if s["order_id"] == order_id:
                        for line in s.get("shipment_lines") or []:
                            shipped[line["order_line_id"]] = shipped.get(line["order_line_id"], 0) + int(
                                line["quantity"]
                            )
                done = all(
                    shipped.get(line["order_line_id"], 0) >= line["quantity"]
                    for line in record["order_lines"]
                    if line["order_line_state"] not in ("REFUSED", "CANCELED")
                )
                self._touch(record, "SHIPPED" if done else None, "SHIPPED" if done else None)
                success.append({"id": entry["id"], "order_id": order_id, "status": entry["status"]})
        return json_response(201, {"shipment_success": success, "shipment_errors": errors})

    @route("GET", r"/([\w.-]+)/api/shipping/carriers")
    def carriers(self, request: SimRequest, name: str):
        op, denied = self._operator(request, name, "SH21")
        return denied or json_response(200, {"carriers": op.carriers})

    # --- stock --------------------------------------------------------------------------------------------
    @route("POST", r"/([\w.-]+)/api/offers/stock/imports")
    def import_stock(self, request: SimRequest, name: str):
        op, denied = self._operator(request, name, "STO01")
        if denied:
            return denied
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            return _error(400, "A multipart file is required")
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
        )
        files = [
            p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"
        ]
        if not files:
            return _error(400, "The multipart field 'file' is required")
        text = files[0].get_payload(decode=True).decode("utf-8")
        reader = csv.reader(io.StringIO(text), delimiter=";")
        header = next(reader, [])
        if header != STOCK_COLUMNS:
            return _error(400, f"Unexpected columns: {';'.join(header)}")
        with self.lock:
            import_id = str(next(self._ids))
            errors, read = [], 0
            for number, row in enumerate(reader, start=2):
                read += 1
                sku, quantity = (row + ["", ""])[:2]
                problem = op.rejected_skus.get(sku) or (
                    "" if quantity.isdigit() else "The quantity is invalid"
                )
                if problem:
                    errors.append([*row, str(number), problem])
                else:
                    op.offers[sku] = int(quantity)
            op.imports[import_id] = {
                "import_id": int(import_id),
                "reads_left": op.import_processing_reads,
                "lines_read": read,
                "lines_in_error": len(errors),
                "errors": errors,
            }
        return json_response(201, {"import_id": int(import_id)})

    @route("GET", r"/([\w.-]+)/api/offers/stock/imports/(\d+)/status")
    def import_status(self, request: SimRequest, name: str, import_id: str):
        op, denied = self._operator(request, name, "STO02")
        if denied:
            return denied
        with self.lock:
            entry = op.imports.get(import_id)
            if entry is None:
                return _error(404, f"Import {import_id} not found")
            if entry["reads_left"] > 0:
                entry["reads_left"] -= 1
                return json_response(200, {"import_id": entry["import_id"], "status": "RUNNING"})
            return json_response(
                200,
                {
                    "import_id": entry["import_id"],
                    "status": "COMPLETE",
                    "has_error_report": bool(entry["errors"]),
                    "lines_read": entry["lines_read"],
                    "lines_in_success": entry["lines_read"] - entry["lines_in_error"],
                    "lines_in_error": entry["lines_in_error"],
                },
            )

    @route("GET", r"/([\w.-]+)/api/offers/stock/imports/(\d+)/error_report")
    def import_error_report(self, request: SimRequest, name: str, import_id: str):
        op, denied = self._operator(request, name, "STO03")
        if denied:
            return denied
        with self.lock:
            entry = op.imports.get(import_id)
            if entry is None or not entry["errors"]:
                return _error(404, "No error report")
            out = io.StringIO()
            writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow([*STOCK_COLUMNS, "error-line", "error-message"])
            writer.writerows(entry["errors"])
        return 200, out.getvalue().encode(), {"Content-Type": "text/csv"}


def json_message(answer) -> str:
    return json.loads(answer[1]).get("message", "")


def demo_simulator() -> MiraklSimulator:
    """For ``manage.py run_simulators``: two operators (demo keys of seed_demo), each with a few orders of
    the Zoho demo SKUs waiting for acceptance, one of them for a SKU nobody knows."""
    sim = MiraklSimulator({"operator-a": "sim-mirakl-key-a", "operator-b": "sim-mirakl-key-b"})
    for operator in ("operator-a", "operator-b"):
        sim.add_order(operator, "ORDER-1001-A", lines=[{"sku": "SKU-000001", "quantity": 1}])  # same number
        for n in range(4):
            sim.add_order(operator, lines=[{"sku": f"SKU-{n % 3:06d}", "quantity": 1 + n % 2}])
        sim.add_order(operator, lines=[{"sku": "NOT-IN-ZOHO", "quantity": 1}])
    return sim
