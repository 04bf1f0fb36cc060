"""POST /webhook/yicang: getOrderList-shaped orders signed like an API request. No official fixture exists
(Eccang has no push today): bodies are the reference page's common parameters with biz_content = {"data":
[items]} as a JSON string, items in the source doc's getOrder shape."""

from __future__ import annotations

import json
import time

import pytest

from integration_server.models import RawPayload
from logistics.models import EccangAccount, EccangOrderStatus, TrackedShipment
from tests.plugins.eccang import order_item, post_push, signed_push
from tests.plugins.notifications import drain

pytestmark = pytest.mark.django_db


def test_signed_push_is_processed_like_a_polled_order(client, eccang_account, after_sales_rule):
    body = signed_push([order_item("AS-5", "S", shipping_method="AS-PARTS")])
    response = post_push(client, body)
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    drain()
    row = EccangOrderStatus.objects.get()
    assert (row.reference_no, row.via, row.outcome) == ("AS-5", "push", "tracked")
    assert TrackedShipment.objects.get().tracking_number == "TRKAS-5"
    raw = RawPayload.objects.get(source="eccang", kind="pushOrder")
    assert (raw.state, raw.external_id) == ("processed", "AS-5")


def test_lowercase_signature_when_the_account_says_so(client, eccang_account):
    EccangAccount.objects.filter(pk=eccang_account.pk).update(sign_case="lower")
    items = [order_item("AS-6", "P")]
    assert post_push(client, signed_push(items, case="upper")).status_code == 401
    assert post_push(client, signed_push(items, case="lower")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        signed_push([order_item("AS-7")], secret="wrong-secret"),
        signed_push([order_item("AS-7")], app_key="someone-else"),
        signed_push([order_item("AS-7")], timestamp_ms=int(time.time() * 1000) - 120_000),  # 2 min old
        b"not json",
    ],
    ids=["bad-signature", "unknown-app-key", "expired-timestamp", "not-json"],
)
def test_refused_pushes_are_401_and_store_nothing(client, eccang_account, body):
    response = post_push(client, body)
    assert response.status_code == 401
    assert not RawPayload.objects.exists() and not EccangOrderStatus.objects.exists()


def test_tampered_body_fails_the_signature(client, eccang_account):
    params = json.loads(signed_push([order_item("AS-8", "P")]))
    params["biz_content"] = params["biz_content"].replace("AS-8", "AS-9")
    assert post_push(client, json.dumps(params).encode()).status_code == 401


def test_the_same_delivery_twice_is_a_duplicate(client, eccang_account, after_sales_rule):
    body = signed_push([order_item("AS-10", "S", shipping_method="AS-PARTS")])
    assert post_push(client, body).json() == {"status": "accepted"}
    assert post_push(client, body).json() == {"status": "duplicate"}
    # a fresh delivery of the same (reference, status) is stored but changes nothing
    assert (
        post_push(client, signed_push([order_item("AS-10", "S", shipping_method="AS-PARTS")])).status_code
        == 200
    )
    drain()
    assert RawPayload.objects.filter(kind="pushOrder").count() == 2
    assert EccangOrderStatus.objects.count() == 1
    assert TrackedShipment.objects.count() == 1


@pytest.mark.parametrize("biz", ["{not json", "42", '"text"'], ids=["not-json", "number", "string"])
def test_signed_but_malformed_biz_content_is_400(client, eccang_account, biz):
    response = post_push(client, signed_push(biz))
    assert response.status_code == 400
    assert not RawPayload.objects.exists()
