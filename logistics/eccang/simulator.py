"""An Eccang open-platform stand-in: ``POST /openApi/api/unity`` with ``interface_method=getOrderList``.

Built from reference/eccang.md (no official fixture exists): the body is the common parameters with
``biz_content`` as a JSON string; the MD5 signature is checked in the accepted hex case(s), the timestamp must
be within a minute and a (timestamp, sign) pair is single-use; answers are ``{code, message, biz_content}``
with ``code`` a string and ``biz_content`` a JSON string of ``{data, page, page_size, total}``. Pages are
ordered by ``modify_date`` and filtered on the condition window (modify or created keys). Throttling past 10
requests/s, or when scripted, comes back in one of Eccang's three forms: body code "429", the code
``saas.api.error.code.0061``, or an HTML page. Error codes of bad signatures (``saas.api.error.code.0002``)
and bad parameters (``common.error.code.0028``) are the simulator's choice.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from integration_server.simulators.base import FixedWindowLimiter, Simulator, json_response, route
from logistics.eccang.signature import sign_params

HTML_THROTTLE = "<html><body><h1>请求频率超限，请控制请求速度</h1></body></html>"
DATE_FMT = "%Y-%m-%d %H:%M:%S"


def _error(code: str, error_code: str, message: str):
    body = {
        "code": code,
        "message": message,
        "biz_content": json.dumps([{"errorCode": error_code, "errorMsg": message}], ensure_ascii=False),
    }
    return json_response(200, body)


class EccangSimulator(Simulator):
    name = "eccang"

    def __init__(
        self,
        app_key: str = "sim-eccang-key",
        app_secret: str = "sim-eccang-secret",  # noqa: S107
        service_id: str = "sim-service",
        accepted_cases: tuple[str, ...] = ("upper", "lower"),
        requests_per_second: int = 10,
        max_page_size: int = 100,
    ):
        super().__init__()
        self.app_key, self.app_secret, self.service_id = app_key, app_secret, service_id
        self.accepted_cases = accepted_cases
        self.limiter = FixedWindowLimiter(requests_per_second, 1.0)
        self.max_page_size = max_page_size
        self.orders: dict[str, dict] = {}  # reference_no -> item
        self.used_signatures: set[tuple[str, str]] = set()
        self.throttle_next: list[str] = []  # scripted answers: "code429" | "code0061" | "html"

    # --- scripting ------------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.orders.clear()
            self.requests.clear()
            self.used_signatures.clear()
            self.throttle_next.clear()

    def put_order(
        self, reference_no: str, *, modify_date: str, created_date: str | None = None, **fields
    ) -> dict:
        """Add or change an order (fields in the source doc's getOrder shape)."""
        with self.lock:
            item = self.orders.setdefault(
                reference_no,
                {
                    "reference_no": reference_no,
                    "shipping_method": "PK0068",
                    "country_code": "US",
                    "shipper_hawbcode": "",
                    "channel_hawbcode": "",
                    "order_weight": "1.000",
                    "order_pieces": "1",
                    "mail_cargo_type": "1",
                    "warehouse_code": "WH01",
                    "is_return": "N",
                    "status": "P",
                    "add_time": created_date or modify_date,
                    "Consignee": {
                        "consignee_countrycode": "US",
                        "consignee_name": "",
                        "consignee_email": "",
                        "consignee_street": "1 Main St",
                    },
                },
            )
            item["modify_date"] = modify_date
            consignee = fields.pop("Consignee", None)
            if consignee:
                item["Consignee"].update(consignee)
            item.update(fields)
            return dict(item)

    def signed_params(self, method: str, biz, *, case: str = "upper") -> dict:
        """Common parameters signed like an API request (what a future Eccang push would carry)."""
        params = {
            "app_key": self.app_key,
            "service_id": self.service_id,
            "interface_method": method,
            "biz_content": json.dumps(biz, ensure_ascii=False),
            "timestamp": str(int(time.time() * 1000)),
            "nonce_str": uuid.uuid4().hex,
            "sign_type": "MD5",
            "charset": "UTF-8",
            "version": "1.0.0",
        }
        params["sign"] = sign_params(params, self.app_secret, case)
        return params

    def push(self, url: str, references: list[str], *, case: str = "upper", secret: str | None = None):
        """POST the current state of some orders to ``url`` (our /webhook/yicang), signed like the API."""
        with self.lock:
            data = [dict(self.orders[ref]) for ref in references]
        params = self.signed_params("pushOrder", {"data": data}, case=case)
        if secret is not None:
            params["sign"] = sign_params(params, secret, case)
        return requests.post(url, json=params, timeout=10)

    # --- the API --------------------------------------------------------------------------------------------
    @route("POST", r"/openApi/api/unity")
    def unity(self, request):
        if self.throttle_next:
            with self.lock:
                form = self.throttle_next.pop(0) if self.throttle_next else ""
            if form:
                return self._throttled(form)
        if self.limiter.hit(self.app_key) is not None:
            return self._throttled("code429")
        try:
            params = request.json()
        except ValueError:
            return _error("300", "common.error.code.0028", "body is not JSON")
        if not isinstance(params, dict):
            return _error("300", "common.error.code.0028", "body is not an object")
        missing = [
            p
            for p in (
                "app_key",
                "service_id",
                "interface_method",
                "biz_content",
                "timestamp",
                "nonce_str",
                "sign",
            )
            if not params.get(p)
        ]
        if missing:
            return _error("300", "common.error.code.0028", f"missing {', '.join(missing)}")
        if params["app_key"] != self.app_key or params["service_id"] != self.service_id:
            return _error("300", "saas.api.error.code.0001", "unknown app_key or service_id")
        try:
            age_ms = abs(time.time() * 1000 - int(params["timestamp"]))
        except ValueError:
            return _error("300", "common.error.code.0028", "bad timestamp")
        key = (str(params["timestamp"]), str(params["sign"]))
        with self.lock:
            reused = key in self.used_signatures
            self.used_signatures.add(key)
        if age_ms > 60_000 or reused:
            return _error("300", "saas.api.error.code.0049", "signature expired")
        if not any(
            params["sign"] == sign_params(params, self.app_secret, case) for case in self.accepted_cases
        ):
            return _error("300", "saas.api.error.code.0002", "sign error")
        try:
            biz = json.loads(params["biz_content"])
        except (TypeError, ValueError):
            return _error("300", "common.error.code.0028", "biz_content is not a JSON string")
        if params["interface_method"] != "getOrderList":
            return _error("300", "common.error.code.0028", "unknown interface_method")
        return self._order_list(biz)

    def _throttled(self, form: str):
        if form == "html":
            return 200, HTML_THROTTLE.encode(), {"Content-Type": "text/html; charset=utf-8"}
        if form == "code0061":
            return _error("300", "saas.api.error.code.0061", "同一客户请求不能超过10次/秒")
        return json_response(200, {"code": "429", "message": "Too Many Requests", "biz_content": ""})

    def _order_list(self, biz: dict):
        try:
            page = int(biz.get("page") or 1)
            size = int(biz.get("page_size") or 20)
        except (TypeError, ValueError):
            return _error("300", "common.error.code.0028", "bad page")
        if page < 1 or size < 1 or size > self.max_page_size:
            return _error("300", "common.error.code.0028", f"page_size must be 1..{self.max_page_size}")
        condition = biz.get("condition") or {}
        windows = (
            ("modify_date", "modify_date_start", "modify_date_end"),
            ("add_time", "created_date_start", "created_date_end"),
        )
        with self.lock:
            items = sorted(self.orders.values(), key=lambda o: (o["modify_date"], o["reference_no"]))
        for field, start_key, end_key in windows:
            start, end = condition.get(start_key), condition.get(end_key)
            if start:
                start_at = datetime.strptime(start, DATE_FMT)
                items = [o for o in items if datetime.strptime(o[field], DATE_FMT) >= start_at]
            if end:
                end_at = datetime.strptime(end, DATE_FMT)
                items = [o for o in items if datetime.strptime(o[field], DATE_FMT) <= end_at]
        chunk = items[(page - 1) * size : page * size]
        answer = {"data": chunk, "page": page, "page_size": size, "total": len(items)}
        return json_response(
            200, {"code": "200", "message": "Success", "biz_content": json.dumps(answer, ensure_ascii=False)}
        )


def seed_demo_orders(sim: EccangSimulator) -> EccangSimulator:
    """Three orders for ``run_simulators``: a shipped after-sales part (shipping method AS-PARTS), a pending
    one, and an ordinary shipped order."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    stamp = (now - timedelta(minutes=2)).strftime(DATE_FMT)
    consignee = {"consignee_email": "demo@example.com", "consignee_name": "Demo Customer"}
    sim.put_order(
        "AS-DEMO-1",
        modify_date=stamp,
        status="S",
        shipping_method="AS-PARTS",
        shipper_hawbcode="YTDEMO000001",
        Consignee=consignee,
    )
    sim.put_order("AS-DEMO-2", modify_date=stamp, status="P", shipping_method="AS-PARTS", Consignee=consignee)
    sim.put_order(
        "SO-DEMO-3", modify_date=stamp, status="S", shipper_hawbcode="YTDEMO000003", Consignee=consignee
    )
    return sim
