"""POST /webhook/yicang: an order (or a page of orders) in getOrderList's shape, signed like an API request:
our app_key, a timestamp within a minute, the MD5 signature over the received parameters with our app_secret
in the configured hex case. A repeated (nonce_str, sign) is the same delivery: answered "duplicate"."""

from __future__ import annotations

import time

from integration_server.json_bodies import parse_json_body
from integration_server.webhooks import WebhookView, constant_time_equals
from logistics.eccang import conf
from logistics.eccang.services import orders_in_push
from logistics.eccang.signature import sign_params
from logistics.models import EccangAccount


def push_is_authentic(params: dict, account: EccangAccount, *, now_ms: int | None = None) -> bool:
    if not isinstance(params, dict) or not account.app_secret:
        return False
    if not constant_time_equals(str(params.get("app_key", "")), account.app_key):
        return False
    try:
        sent_ms = int(str(params.get("timestamp", "")))
    except ValueError:
        return False
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if abs(now_ms - sent_ms) > conf.ECCANG_WEBHOOK_MAX_SKEW_SECONDS * 1000:
        return False
    if not params.get("nonce_str"):
        return False
    expected = sign_params(params, account.app_secret, account.sign_case)
    return constant_time_equals(str(params.get("sign", "")), expected)


class EccangWebhookView(WebhookView):
    source = "eccang"

    def verify(self, request, body: bytes, **kwargs) -> bool:
        params = parse_json_body(body)  # bounded, before anything reaches the database
        if not isinstance(params, dict):
            return False
        account = EccangAccount.objects.filter(app_key=str(params.get("app_key", "")), enabled=True).first()
        return account is not None and push_is_authentic(params, account)

    def delivery_id(self, request, payload, body: bytes) -> str | None:
        return f"push:{payload['nonce_str']}:{payload['sign']}"

    def kind_of(self, request, payload) -> str:
        return str(payload.get("interface_method") or "order_push")

    def external_id(self, payload) -> str:
        items = orders_in_push(payload)  # a biz_content that is not JSON or holds no order: 400
        first = items[0] if items and isinstance(items[0], dict) else {}
        return str(first.get("reference_no") or first.get("refrence_no") or "")
