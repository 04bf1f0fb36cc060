"""Issue 10 point 5: hostile bodies on every webhook endpoint, signed and unsigned, never get a 5xx, and
nothing unsigned is ever stored. Seeded (deterministic); FUZZ_BODIES sets the bodies per endpoint and kind."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
import uuid
from datetime import UTC, datetime

import pytest
from django.test import Client

from integration_server.models import RawPayload
from inventory.models import ZohoConnection
from logistics.eccang.signature import sign_params
from logistics.models import EccangAccount, ShipStationAccount, ShopifyShop, TrackingAccount
from logistics.shopify.signature import webhook_hmac
from logistics.tracking.signature import push_signature
from notifications.models import NotificationEvent
from tests.conftest import load_fixture
from tests.security.fuzz_bodies import bodies, documents

pytestmark = pytest.mark.django_db

COUNT = int(os.environ.get("FUZZ_BODIES", "150"))
SEED = 20261203
URL_SECRET = "fuzz-url-secret-0123456789abcdef"
HMAC_SECRET = "fuzz-hmac-secret"
SHOP_DOMAIN = "fuzz-store.myshopify.com"
APP_KEY, APP_SECRET = "fuzz-app-key", "fuzz-app-secret"
BASIC = "hook:secret"


@pytest.fixture
def accounts(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC}
    settings.ANYMAIL_TRACKING_ESP = "postmark"
    ZohoConnection.objects.create(
        organization_id="1",
        accounts_url="https://accounts.zoho.example",
        api_base_url="https://inventory.zoho.example/api/v1",
        client_id="c",
        client_secret="s",
        refresh_token="r",
        webhook_secret=URL_SECRET,
    )
    ShipStationAccount.objects.create(api_key="k", api_secret="s", webhook_secret=URL_SECRET)
    ShopifyShop.objects.create(
        name="Fuzz",
        shop_domain=SHOP_DOMAIN,
        api_base_url="https://fuzz.example",
        admin_api_token="t",
        webhook_secret=HMAC_SECRET,
    )
    TrackingAccount.objects.create(
        provider="17track", api_key=HMAC_SECRET, api_base_url="https://17track.example"
    )
    EccangAccount.objects.create(
        name="fuzz",
        api_base_url="https://eccang.example/api",
        app_key=APP_KEY,
        service_id="svc",
        app_secret=APP_SECRET,
    )


def _post(client, url, body, **headers):
    return client.post(url, data=body, content_type="application/json", headers=headers)


def _eccang_params() -> dict:
    return {
        "app_key": APP_KEY,
        "service_id": "svc",
        "interface_method": "pushOrder",
        "biz_content": json.dumps(
            {"data": [{"reference_no": "R1", "shipper_hawbcode": "T1", "status": "S"}]}
        ),
        "timestamp": str(int(time.time() * 1000)),
        "nonce_str": uuid.uuid4().hex,
        "sign_type": "MD5",
        "charset": "UTF-8",
        "version": "1.0.0",
    }


def _eccang_signed(seed: int, count: int):
    for index, document, _rng in documents(_eccang_params(), seed, count):
        if isinstance(document, dict):
            document.update(app_key=APP_KEY, timestamp=str(int(time.time() * 1000)))
            document.setdefault("nonce_str", uuid.uuid4().hex)
            with contextlib.suppress(UnicodeEncodeError, TypeError):
                document["sign"] = sign_params(document, APP_SECRET)
        text = json.dumps(document, ensure_ascii=True)
        yield index, text.encode()


POSTMARK_EVENT = {
    "RecordType": "Bounce",
    "MessageID": "m-1",
    "Recipient": "lee@example.com",
    "Email": "lee@example.com",
    "Type": "HardBounce",
    "TypeCode": 1,
    "BouncedAt": "2026-11-23T10:00:00Z",
    "Description": "The server was unable to deliver your message",
    "Details": "smtp;550 5.1.1 user unknown",
    "Metadata": {},
}


ENDPOINTS = {
    "zoho": {
        "base": {"item": {"sku": "A-1", "name": "Battery", "stock_on_hand": 5, "available_stock": 5}},
        "signed": lambda c, b: _post(c, f"/webhook/zoho/{URL_SECRET}", b),
        "unsigned": lambda c, b: _post(c, "/webhook/zoho/wrong-secret", b),
    },
    "shipstation": {
        "base": {
            "resource_url": "https://ssapi.shipstation.com/shipments?batchId=1",
            "resource_type": "SHIP_NOTIFY",
        },
        "signed": lambda c, b: _post(c, f"/webhook/shipstation/{URL_SECRET}", b),
        "unsigned": lambda c, b: _post(c, "/webhook/shipstation/wrong-secret", b),
    },
    "shopify": {
        "base": load_fixture("shopify/fulfillments_create.sample.json"),
        "signed": lambda c, b: _post(
            c,
            "/webhook/shopify",
            b,
            **{
                "X-Shopify-Hmac-Sha256": webhook_hmac(b, HMAC_SECRET),
                "X-Shopify-Shop-Domain": SHOP_DOMAIN,
                "X-Shopify-Topic": "fulfillments/create",
                "X-Shopify-Webhook-Id": uuid.uuid4().hex,
                "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
            },
        ),
        "unsigned": lambda c, b: _post(
            c,
            "/webhook/shopify",
            b,
            **{"X-Shopify-Hmac-Sha256": "bm9wZQ==", "X-Shopify-Shop-Domain": SHOP_DOMAIN},
        ),
    },
    "17track": {
        "base": load_fixture("17track/webhook_tracking_updated.sample.json"),
        "signed": lambda c, b: _post(c, "/webhook/17track", b, sign=push_signature(b, HMAC_SECRET)),
        "unsigned": lambda c, b: _post(c, "/webhook/17track", b, sign="0" * 64),
    },
    "yicang": {
        "base": _eccang_params(),
        "signed_bodies": _eccang_signed,
        "signed": lambda c, b: _post(c, "/webhook/yicang", b),
        "unsigned": lambda c, b: _post(c, "/webhook/yicang", b),
    },
    "anymail": {
        "base": POSTMARK_EVENT,
        "signed": lambda c, b: _post(
            c,
            "/webhook/anymail/postmark/tracking/",
            b,
            Authorization="Basic " + base64.b64encode(BASIC.encode()).decode(),
        ),
        "unsigned": lambda c, b: _post(c, "/webhook/anymail/postmark/tracking/", b),
    },
}


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_hostile_bodies_never_get_5xx_and_unsigned_ones_are_never_stored(name, accounts):
    endpoint = ENDPOINTS[name]
    client = Client(raise_request_exception=False)
    failures = []
    for index, body in bodies(endpoint["base"], SEED, COUNT):
        response = endpoint["unsigned"](client, body)
        if response.status_code >= 500 or response.status_code == 200:
            failures.append(("unsigned", index, response.status_code, body[:120]))
    assert RawPayload.objects.count() == 0 and NotificationEvent.objects.count() == 0
    signed = endpoint.get("signed_bodies") or (lambda seed, count: bodies(endpoint["base"], seed, count))
    for index, body in signed(SEED + 1, COUNT):
        response = endpoint["signed"](client, body)
        if response.status_code >= 500:
            failures.append(("signed", index, response.status_code, body[:120]))
    assert failures == [], f"{len(failures)} failures, first: {failures[:5]}"
