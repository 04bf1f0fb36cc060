"""Shared set-up of the Eccang tests: the simulator over real HTTP, an account pointing at it, and helpers to
build order items and signed pushes.

No official Eccang fixture exists (reference/eccang.md, "Fixtures"): every payload here is built from the
reference page's field table and the source doc's getOrder example (shipping_method "PK0068", shipper_hawbcode,
channel_hawbcode, mail_cargo_type, is_return "N", modify_date "YYYY-MM-DD HH:MM:SS", Consignee{...}).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integration_server.simulators import serve_in_thread
from logistics.eccang.signature import sign_params
from logistics.eccang.simulator import EccangSimulator
from logistics.models import EccangAccount, EccangAfterSalesRule

APP_KEY = "sim-eccang-key"
APP_SECRET = "sim-eccang-secret"
SERVICE_ID = "sim-service"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def eccang_time(when: datetime) -> str:
    """A date string as Eccang writes it (server time zone, no offset)."""
    return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def order_item(reference_no: str, status: str = "S", **overrides) -> dict:
    """One getOrderList item in the source doc's getOrder shape (reference_no set, personal data invented)."""
    item = {
        "shipping_method": "PK0068",
        "country_code": "AD",
        "reference_no": reference_no,
        "shipper_hawbcode": f"TRK{reference_no}",
        "shipping_method_no": reference_no,
        "channel_hawbcode": "34161184947327",
        "system_hawbcode": None,
        "order_weight": "1.000",
        "order_pieces": "1",
        "buyer_id": "",
        "modify_date": "2018-04-17 17:39:08",
        "mail_cargo_type": "1",
        "insurance_value": None,
        "is_return": "N",
        "warehouse_code": "WH01",
        "status": status,
        "Consignee": {
            "consignee_countrycode": "AD",
            "consignee_name": "Ana Ortiz",
            "consignee_email": "ana@example.com",
            "consignee_street": "dfdfdfdf",
        },
    }
    item.update(overrides)
    return item


def signed_push(
    items, *, secret: str = APP_SECRET, case: str = "upper", app_key: str = APP_KEY, timestamp_ms=None
) -> bytes:
    """A /webhook/yicang body: the API's common parameters, biz_content = {"data": items} as a JSON string."""
    params = {
        "app_key": app_key,
        "service_id": SERVICE_ID,
        "interface_method": "pushOrder",
        "biz_content": items if isinstance(items, str) else json.dumps({"data": items}, ensure_ascii=False),
        "timestamp": str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)),
        "nonce_str": uuid.uuid4().hex,
        "sign_type": "MD5",
        "charset": "UTF-8",
        "version": "1.0.0",
    }
    params["sign"] = sign_params(params, secret, case)
    return json.dumps(params, ensure_ascii=False).encode()


def post_push(client, body: bytes):
    return client.post("/webhook/yicang", data=body, content_type="application/json")


@pytest.fixture(scope="session")
def eccang_sim_server():
    sim = EccangSimulator(
        app_key=APP_KEY, app_secret=APP_SECRET, service_id=SERVICE_ID, requests_per_second=1000
    )
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


@pytest.fixture
def eccang_sim(eccang_sim_server):
    eccang_sim_server.reset()
    eccang_sim_server.accepted_cases = ("upper", "lower")
    return eccang_sim_server


@pytest.fixture
def eccang_account(db, eccang_sim):
    account = EccangAccount.objects.create(
        name="eccang",
        api_base_url=f"{eccang_sim.base_url}/openApi/api/unity",
        app_key=APP_KEY,
        service_id=SERVICE_ID,
        app_secret=APP_SECRET,
    )
    account.ensure_default_status_map()
    return account


@pytest.fixture
def after_sales_rule(eccang_account):
    """The business's rule in these tests: after-sales parts ship with method AS-PARTS."""
    return EccangAfterSalesRule.objects.create(
        account=eccang_account, kind=EccangAfterSalesRule.Kind.SHIPPING_METHOD, values="AS-PARTS"
    )
