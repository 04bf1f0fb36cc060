"""Issue 8, point 7: an order changed on the marketplace after we first saw it. Before shipment: the
ShipStation order is updated (same orderKey, whole order) and the shadow stock moves by the difference;
after shipment: recorded on the order and flagged, nothing sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import ShadowDecrement, StockLevel
from logistics.shipstation.shipments import poll_shipstation
from marketplaces.models import Order
from marketplaces.services.pull import pull_orders

pytestmark = pytest.mark.django_db
ORDER_ID = "116-0000000-0000001"
KEY = f"amazon:{ORDER_ID}"


def _edit(amz, minutes_ago: int, **address):
    record = amz.orders[ORDER_ID]
    record["recipient"]["deliveryAddress"].update(address)
    record["lastUpdatedTime"] = (timezone.now() - timedelta(minutes=minutes_ago)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return record


def _shadow(sku):
    return StockLevel.objects.get(sku=sku).shadow_available


@pytest.fixture
def sent(flow, django_capture_on_commit_callbacks):
    ss, amz, _, account = flow
    for sku in ("A", "B", "C"):
        StockLevel.objects.create(sku=sku, zoho_available=20, shadow_available=20)
    amz.add_order(
        ORDER_ID,
        items=[{"sku": "A", "quantity": 2, "price": "10.00"}, {"sku": "B", "quantity": 1, "price": "5.00"}],
        updated=timezone.now() - timedelta(minutes=40),
    )
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    assert (_shadow("A"), _shadow("B")) == (18, 19)
    assert ss.order_by_key(KEY)["shipTo"]["street1"] == "2201 Westlake Ave"
    return flow


def test_an_edit_before_shipment_updates_shipstation_and_the_shadow_stock_by_the_difference(
    sent, django_capture_on_commit_callbacks
):
    ss, amz, _, account = sent
    record = _edit(amz, 10, addressLine1="1 Other Street", city="Portland")
    line_a, line_b = record["orderItems"]
    line_a["quantityOrdered"] = 1  # one unit of A cancelled
    record["orderItems"] = [
        line_a,
        {
            **line_b,
            "orderItemId": "C-LINE",
            "quantityOrdered": 3,
            "product": {**line_b["product"], "sellerSku": "C"},
        },
    ]  # line B cancelled, a line of C added

    with django_capture_on_commit_callbacks(execute=True):
        summary = pull_orders(account, since=timezone.now() - timedelta(hours=2))

    assert summary.result.edited == 1
    creates = ss.calls("POST", "/orders/createorders")
    assert len(creates) == 2
    updated = ss.order_by_key(KEY)
    assert len(ss.orders) == 1  # the same orderKey: updated, not duplicated
    assert (updated["shipTo"]["street1"], updated["shipTo"]["city"]) == ("1 Other Street", "Portland")
    assert sorted((i["sku"], i["quantity"]) for i in updated["items"]) == [("A", 1), ("C", 3)]
    assert (_shadow("A"), _shadow("B"), _shadow("C")) == (19, 20, 17)
    order = Order.objects.get()
    assert order.state == Order.State.SENT and order.problem == ""
    assert ShadowDecrement.objects.get(sku="B").returned_at is not None

    # seen again unchanged: nothing moves
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account, since=timezone.now() - timedelta(hours=2))
    assert len(ss.calls("POST", "/orders/createorders")) == 2
    assert (_shadow("A"), _shadow("B"), _shadow("C")) == (19, 20, 17)


def test_an_edit_after_shipment_is_recorded_and_flagged_not_sent(sent, django_capture_on_commit_callbacks):
    ss, amz, _, account = sent
    ss.ship_order(KEY, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()
    assert Order.objects.get().state == Order.State.SHIPPED

    record = _edit(amz, 10, addressLine1="1 Too Late Street")
    record["fulfillment"]["fulfillmentStatus"] = "PARTIALLY_SHIPPED"  # still listed by the pull
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account, since=timezone.now() - timedelta(hours=2))

    order = Order.objects.get()
    assert order.state == Order.State.SHIPPED
    assert order.problem_kind == Order.ProblemKind.EDITED_AFTER_SHIPMENT
    assert "ship-to address" in order.problem
    assert len(ss.calls("POST", "/orders/createorders")) == 1
    assert (_shadow("A"), _shadow("B")) == (18, 19)


def test_edits_cost_a_constant_number_of_queries_per_page(django_capture_on_commit_callbacks):
    from dataclasses import replace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marketplaces.connectors.amazon import parse_order
    from marketplaces.models import MarketplaceAccount
    from marketplaces.services.ingest import ingest_orders
    from marketplaces.simulators.amazon import AmazonSimulator

    account = MarketplaceAccount.objects.create(channel="amazon", name="Edits", shipstation_store_id=310001)
    StockLevel.objects.create(sku="A", zoho_available=5000, shadow_available=5000)
    sim = AmazonSimulator()

    def page(prefix, n):
        return [
            parse_order(sim.add_order(f"{prefix}-{i:07d}", items=[{"sku": "A", "quantity": 2}]))
            for i in range(n)
        ]

    def edited(pulled):
        later = timezone.now() - timedelta(minutes=3)
        return [
            replace(
                p, updated_at=later, lines=[replace(p.lines[0], quantity=1)], buyer={**p.buyer, "ship_to": {}}
            )
            for p in pulled
        ]

    small, big = page("301", 10), page("302", 100)
    ingest_orders(account, small)
    ingest_orders(account, big)
    with CaptureQueriesContext(connection) as q10:
        assert ingest_orders(account, edited(small)).edited == 10
    with CaptureQueriesContext(connection) as q100:
        assert ingest_orders(account, edited(big)).edited == 100
    assert len(q100) == len(q10), [q["sql"][:80] for q in q100.captured_queries]
    assert _shadow("A") == 5000 - 110


def test_an_order_flagged_for_a_missing_sku_goes_to_shipstation_once_the_marketplace_fixes_it(
    flow, django_capture_on_commit_callbacks
):
    ss, amz, _, account = flow
    record = amz.add_order(
        ORDER_ID, items=[{"sku": None, "quantity": 1}], updated=timezone.now() - timedelta(minutes=40)
    )
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    assert Order.objects.get().state == Order.State.FLAGGED and ss.order_by_key(KEY) is None

    record["orderItems"][0]["product"]["sellerSku"] = "A"
    _edit(amz, 10)
    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account, since=timezone.now() - timedelta(hours=2))

    order = Order.objects.get()
    assert (order.state, order.problem, order.problem_kind) == (Order.State.SENT, "", "")
    assert [i["sku"] for i in ss.order_by_key(KEY)["items"]] == ["A"]


def test_a_version_without_address_or_lines_is_not_an_edit(sent, django_capture_on_commit_callbacks):
    ss, amz, _, account = sent
    record = _edit(amz, 10)
    record["recipient"]["deliveryAddress"] = {}  # personal data no longer returned
    record["orderItems"] = []
    with django_capture_on_commit_callbacks(execute=True):
        summary = pull_orders(account, since=timezone.now() - timedelta(hours=2))
    assert summary.result.edited == 0
    assert len(ss.calls("POST", "/orders/createorders")) == 1
    assert Order.objects.get().buyer["ship_to"]["street1"] == "2201 Westlake Ave"
    assert (_shadow("A"), _shadow("B")) == (18, 19)
