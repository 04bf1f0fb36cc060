"""The Rithum (Dsco v3) connector on every fixture in ../shared/fixtures/rithum/, its client (client-credentials
token shared by every process, static token fallback, hosts, pacing, 429, 400 VALIDATION_FAILED) and the
scroll paging through the simulator (an expired scroll restarts without losing or repeating an order)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from django.db import connection
from django.utils import timezone

from integration_server.http.errors import PermanentError, ThrottledError
from integration_server.models import RateLimitBucket
from integration_server.simulators import serve_in_thread
from marketplaces.clients.rithum import (
    RithumClient,
    RithumValidationError,
    api_base_url,
    messages_text,
    pacing_per_minute,
    token_url,
)
from marketplaces.connectors import QuantityUpdate, ShipmentConfirmation, connector_for
from marketplaces.connectors.rithum import (
    RithumConnector,
    inventory_item,
    parse_order,
    results_from_logs,
    shipment_body,
)
from marketplaces.models import MarketplaceAccount
from marketplaces.simulators.rithum import RithumSimulator
from tests.conftest import SHARED_FIXTURES, load_fixture

pytestmark = pytest.mark.django_db

HOST = "https://api.dsco.io/api/v3"


@pytest.fixture
def account():
    return MarketplaceAccount.objects.create(
        channel="rithum", name="Rithum", credentials={"client_id": "1234", "client_secret": "5678"}
    )


@pytest.fixture
def sim():
    sim = RithumSimulator()
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


def sim_account(sim, **fields) -> MarketplaceAccount:
    return MarketplaceAccount.objects.create(
        channel="rithum",
        name=fields.pop("name", "Rithum sim"),
        api_base_url=sim.base_url,
        credentials=fields.pop(
            "credentials", {"client_id": sim.client_id, "client_secret": sim.client_secret}
        ),
        shipstation_store_id=310004,
        **fields,
    )


def _token_fixture():
    responses.add(
        responses.POST, f"{HOST}/oauth2/token", json=load_fixture("rithum/oauth2-token-response.json")
    )


# --- every fixture --------------------------------------------------------------------------------------
COVERED = {
    "order-created-unacknowledged-3-lines.json": "test_a_new_order_with_three_lines",
    "order-acknowledged-shipment-pending.json": "test_an_acknowledged_order_is_still_to_ship",
    "order-completed-shipped-2-lines-with-packages.json": "test_a_completed_order_is_stored_as_shipped",
    "order-created-chewy-retailer-compact.json": "test_the_shipment_carries_what_the_chewy_order_carried",
    "oauth2-token-request.form-urlencoded.txt": "test_the_token_request_is_the_documented_form_and_is_shared",
    "oauth2-token-response.json": "test_the_token_request_is_the_documented_form_and_is_shared",
    "hello-response.json": "test_check_connection_reads_token_hello_and_an_hour_of_orders",
    "order-singleShipment-201-response.json": "test_single_shipment_201_and_400_validation_failed",
    "order-singleShipment-400-validation-failed-response.json": "test_single_shipment_201_and_400_validation_failed",
    "order-shipment-batch-small-async-response.json": "test_an_inventory_batch_is_pending_with_its_request_id",
    "inventory-ItemInventory-examples.jsonl": "test_inventory_items_have_the_documented_shape",
}


def test_every_rithum_fixture_has_a_test():
    assert {p.name for p in (SHARED_FIXTURES / "rithum").iterdir()} == set(COVERED)
    assert all(name in globals() for name in COVERED.values())


# --- orders ---------------------------------------------------------------------------------------------
def test_a_new_order_with_three_lines():
    order = parse_order(load_fixture("rithum/order-created-unacknowledged-3-lines.json"))
    assert order.marketplace_order_id == "1026064154"
    assert order.status == "created" and not order.is_cancelled and not order.is_shipped
    assert [(line.line_id, line.sku, line.quantity) for line in order.lines] == [
        ("1", "JAX-FA-087-DS", 1),
        ("2", "JAX-FA-083-DS", 1),
        ("3", "JAX-FA-085-DS", 1),
    ]
    assert order.lines[0].unit_price == Decimal("12.74") and order.total == Decimal("33.18")
    assert order.updated_at == datetime(2025, 11, 12, 23, 1, 40, tzinfo=UTC)
    assert order.purchased_at == datetime(2025, 11, 12, 23, 0, 30, tzinfo=UTC)  # dscoCreateDate
    assert order.sales_channel == "1000051226"
    ship_to = order.buyer["ship_to"]
    assert (ship_to["name"], ship_to["street1"], ship_to["state"], ship_to["postal_code"]) == (
        "John Roe",
        "456 FAKE AVE APT 1",
        "VA",
        "00000",
    )
    assert RithumConnector.acknowledge_statuses == {"created"}  # this one is acknowledged


def test_an_acknowledged_order_is_still_to_ship():
    order = parse_order(load_fixture("rithum/order-acknowledged-shipment-pending.json"))
    assert order.marketplace_order_id == "1015317881"
    assert order.status == "acknowledged" and order.status not in RithumConnector.acknowledge_statuses
    assert not order.is_shipped and not order.is_cancelled
    assert [(line.line_id, line.sku) for line in order.lines] == [("1", "JAX-FA-069-DS")]


def test_a_completed_order_is_stored_as_shipped():
    record = load_fixture("rithum/order-completed-shipped-2-lines-with-packages.json")
    order = parse_order(record)
    assert order.status == "completed" and order.is_shipped and not order.is_cancelled
    assert len(order.lines) == 2 and record["packages"][0]["trackingNumber"]

    # the same order with every line cancelled and no package is a cancellation
    cancelled = json.loads(json.dumps(record))
    cancelled.pop("packages")
    cancelled["dscoStatus"] = "shipment_pending"
    for item in cancelled["lineItems"]:
        item["cancelledQuantity"] = item["quantity"]
    parsed = parse_order(cancelled)
    assert parsed.is_cancelled and not parsed.is_shipped and parsed.status == "cancelled"


def test_the_shipment_carries_what_the_chewy_order_carried():
    record = json.loads((SHARED_FIXTURES / "rithum/order-created-chewy-retailer-compact.json").read_text())
    order = parse_order(record)
    assert order.buyer["email"] == "placeholder_email@chewy.com" and order.sales_channel == "1000011436"
    confirmation = ShipmentConfirmation(
        marketplace_order_id=order.marketplace_order_id,
        tracking_number="1Z999",
        carrier_code="OTHER",
        carrier_name="FedEx",
        ship_date=datetime(2026, 1, 28, 18, 0, tzinfo=UTC),
        lines=[("1", 1)],
    )
    body = shipment_body(confirmation, record, {})
    assert body == {
        "dscoOrderId": "1075104801",
        "poNumber": "5J7PMN8NH5DSBCXL2M1Y",
        "shipments": [
            {
                "trackingNumber": "1Z999",
                "shipDate": "2026-01-28T18:00:00Z",
                "shipCarrier": "FedEx",
                "shipMethod": "Home Delivery",
                "shippingServiceLevelCode": "FEHD",
                "warehouseCode": "YQN-CA",
                "lineItems": [{"quantity": 1, "sku": "FF003CV-GY05", "lineNumber": 1}],
            }
        ],
    }
    # an order whose raw record is gone still sends its line's SKU and number
    bare = shipment_body(confirmation, {}, {"1": "FF003CV-GY05"})
    assert bare["shipments"][0]["lineItems"] == [{"quantity": 1, "sku": "FF003CV-GY05", "lineNumber": 1}]


# --- auth -------------------------------------------------------------------------------------------------
@responses.activate
def test_the_token_request_is_the_documented_form_and_is_shared(account):
    _token_fixture()
    responses.add(responses.GET, f"{HOST}/hello", json=load_fixture("rithum/hello-response.json"))
    assert RithumClient(account).hello() == {"hello": "World!"}
    token_call, hello_call = responses.calls
    assert token_call.request.body == load_fixture("rithum/oauth2-token-request.form-urlencoded.txt").strip()
    assert hello_call.request.headers["Authorization"] == "bearer eyJz9sdfsdfsdfsd"
    with connection.cursor() as cursor:  # stored on the account row, encrypted
        cursor.execute(
            "SELECT access_token_cache FROM marketplaces_marketplaceaccount WHERE id = %s", [account.pk]
        )
        assert "eyJz9sdfsdfsdfsd" not in cursor.fetchone()[0]

    # another process (another client, nothing in memory) uses the stored token: no second token call
    RithumClient(MarketplaceAccount.objects.get(pk=account.pk)).hello()
    assert [c.request.url for c in responses.calls].count(f"{HOST}/oauth2/token") == 1
    stored = MarketplaceAccount.objects.get(pk=account.pk).access_token_cache
    assert stored["token"] == "eyJz9sdfsdfsdfsd"
    assert datetime.fromisoformat(stored["expires_at"]) > timezone.now() + timedelta(minutes=59)

    # a token about to expire is replaced
    stored["expires_at"] = (timezone.now() + timedelta(minutes=4)).isoformat()
    MarketplaceAccount.objects.filter(pk=account.pk).update(access_token_cache=stored)
    RithumClient(account).hello()
    assert [c.request.url for c in responses.calls].count(f"{HOST}/oauth2/token") == 2

    # new credentials never reuse the old token
    account.credentials = {"client_id": "1234", "client_secret": "other"}
    RithumClient(account).hello()
    assert [c.request.url for c in responses.calls].count(f"{HOST}/oauth2/token") == 3


@responses.activate
def test_a_refused_token_is_dropped_for_everyone(account):
    _token_fixture()
    responses.add(responses.GET, f"{HOST}/hello", status=401, json={"messages": []})
    with pytest.raises(PermanentError):
        RithumClient(account).hello()
    assert MarketplaceAccount.objects.get(pk=account.pk).access_token_cache == {}


def test_static_token_fallback_and_hosts(sim):
    account = sim_account(sim, credentials={"api_token": sim.static_token})
    assert RithumClient(account).hello() == {"hello": "World!"}
    assert sim.calls("GET", "/hello")[0].headers["authorization"] == f"bearer {sim.static_token}"
    assert sim.token_requests == 0
    checks = connector_for(account).check_connection()
    assert checks[0].name == "credentials" and "phasing it out" in checks[0].detail
    assert all(c.ok for c in checks)

    nothing = sim_account(sim, name="no credentials", credentials={})
    assert [(c.name, c.ok) for c in connector_for(nothing).check_connection()] == [("credentials", False)]

    production = MarketplaceAccount(channel="rithum", name="p")
    staging = MarketplaceAccount(channel="rithum", name="s", sandbox=True)
    assert api_base_url(production) == HOST and token_url(production) == f"{HOST}/oauth2/token"
    assert api_base_url(staging) == "https://staging-api.dsco.io/api/v3"
    assert token_url(staging) == "https://staging-api.dsco.io/api/v3/oauth2/token"
    assert token_url(account) == f"{sim.base_url}/oauth2/token"


@responses.activate
def test_check_connection_reads_token_hello_and_an_hour_of_orders(account):
    _token_fixture()
    responses.add(responses.GET, f"{HOST}/hello", json=load_fixture("rithum/hello-response.json"))
    order = load_fixture("rithum/order-acknowledged-shipment-pending.json")
    responses.add(responses.GET, f"{HOST}/order/page", json={"orders": [order], "scrollId": "abc"})
    checks = RithumConnector(account).check_connection()
    assert [(c.name, c.ok) for c in checks] == [
        ("OAuth token", True),
        ("hello", True),
        ("orders of the last hour", True),
    ]
    assert checks[1].detail == '{"hello": "World!"}' and checks[2].detail == "1 order(s) (more pages)"
    page_call = responses.calls[-1].request
    assert "ordersPerPage=10" in page_call.url and "until=" in page_call.url

    responses.replace(responses.POST, f"{HOST}/oauth2/token", status=401, json={"error": "invalid_client"})
    MarketplaceAccount.objects.filter(pk=account.pk).update(access_token_cache={})
    failed = RithumConnector(account).check_connection()
    assert [(c.name, c.ok) for c in failed] == [("OAuth token", False)]
    assert "refused the client id/secret" in failed[0].detail and "5678" not in failed[0].detail
    # written on the account for ops (admin, /healthz) until a token is granted again
    account.refresh_from_db()
    assert account.auth_problem.startswith("Rithum refused the client id/secret")
    responses.replace(
        responses.POST, f"{HOST}/oauth2/token", json=load_fixture("rithum/oauth2-token-response.json")
    )
    assert RithumConnector(account).check_connection()[0].ok
    account.refresh_from_db()
    assert account.auth_problem == ""


# --- errors and pacing ----------------------------------------------------------------------------------------
@responses.activate
def test_single_shipment_201_and_400_validation_failed(account):
    _token_fixture()
    responses.add(
        responses.POST,
        f"{HOST}/order/singleShipment",
        status=201,
        json=load_fixture("rithum/order-singleShipment-201-response.json"),
    )
    confirmation = ShipmentConfirmation(
        marketplace_order_id="1026064154", tracking_number="9400", carrier_code="USPS", lines=[("1", 1)]
    )
    RithumConnector(account).confirm_shipment(confirmation)
    sent = json.loads(responses.calls[-1].request.body)
    assert sent["dscoOrderId"] == "1026064154" and sent["shipments"][0]["shipCarrier"] == "USPS"

    responses.replace(
        responses.POST,
        f"{HOST}/order/singleShipment",
        status=400,
        json=load_fixture("rithum/order-singleShipment-400-validation-failed-response.json"),
    )
    with pytest.raises(RithumValidationError) as caught:
        RithumConnector(account).confirm_shipment(confirmation)
    assert isinstance(caught.value, PermanentError) and caught.value.status == 400
    assert caught.value.messages == (
        "VALIDATION_FAILED: Ship carrier is required | All of these fields are required: poNumber, carrier, "
        "shippingServiceLevelCode, lineItems, lineItems.quantity, lineItems.sku"
    )
    assert "Ship carrier is required" in str(caught.value)
    assert messages_text({"messages": [{"code": "X", "description": ["a", "b"]}]}) == "X: a; b"


@responses.activate
def test_429_is_throttled(account):
    _token_fixture()
    responses.add(responses.GET, f"{HOST}/hello", status=429, json={"messages": []})
    with pytest.raises(ThrottledError):
        RithumClient(account).hello()


def test_order_pages_are_paced_at_the_published_limits(sim, settings):
    assert pacing_per_minute("getOrders") == 500  # 10/s and 500/min: one call per 0.12 s keeps both
    assert pacing_per_minute("singleShipment") == 300 and pacing_per_minute("acknowledgeOrders") == 900
    settings.HTTP_PACING_ENABLED = True
    account = sim_account(sim)
    client = RithumClient(account)
    until = timezone.now() - timedelta(seconds=10)
    params = {"ordersUpdatedSince": (until - timedelta(hours=1)).isoformat(), "until": until.isoformat()}
    started = time.monotonic()
    for _ in range(5):
        client.order_page(params)
    assert time.monotonic() - started >= 4 * 0.12 - 0.01
    assert RateLimitBucket.objects.filter(key=f"rithum:{account.pk}:getOrders").exists()


# --- scroll paging through the simulator -------------------------------------------------------------------
def test_an_expired_scroll_restarts_the_window_without_losing_or_repeating_orders(sim, settings):
    settings.RITHUM_ORDERS_PER_PAGE = 10
    account = sim_account(sim)
    base = timezone.now() - timedelta(hours=1)
    ids = [sim.add_order(updated=base + timedelta(seconds=n))["dscoOrderId"] for n in range(35)]
    sim.add_order(updated=base - timedelta(hours=2))  # before the window
    sim.expire_scroll_after(2)  # the scroll is gone after its 2nd page, as if 5 minutes had passed

    connector = RithumConnector(account)
    pages = list(connector.iter_orders(base - timedelta(minutes=10), timezone.now() - timedelta(seconds=10)))
    got = [o.marketplace_order_id for page in pages for o in page.orders]
    assert sorted(got) == sorted(ids) and len(got) == len(set(got)) == 35

    calls = sim.calls("GET", "/order/page")
    # page 1, page 2, the 404, the new search (its first 2 pages repeat what was seen), then to the end
    assert [c.arg("scrollId") is None for c in calls[:4]] == [True, False, False, True]
    first = calls[0]
    assert first.arg("ordersPerPage") == "10"
    assert datetime.fromisoformat(first.arg("ordersUpdatedSince").replace("Z", "+00:00")) < base - timedelta(
        minutes=10
    )


def test_list_open_orders_asks_for_created_and_shipment_pending(sim):
    account = sim_account(sim)
    open_id = sim.add_order()["dscoOrderId"]
    acked = sim.add_order(lifecycle="acknowledged")["dscoOrderId"]
    done = sim.add_order(lifecycle="completed")
    done["dscoStatus"] = "shipped"
    assert {o.marketplace_order_id for o in RithumConnector(account).list_open_orders()} == {open_id, acked}
    assert sim.calls("GET", "/order/page")[0].query["status"] == ["created", "shipment_pending"]


# --- quantities -------------------------------------------------------------------------------------------
def test_inventory_items_have_the_documented_shape():
    examples = [
        json.loads(line)
        for line in (SHARED_FIXTURES / "rithum/inventory-ItemInventory-examples.jsonl")
        .read_text()
        .splitlines()
        if line.strip()
    ]
    assert [e["sku"] for e in examples] == ["ABC123", "EFG456", "XYZ789"]
    ours = inventory_item(QuantityUpdate("ABC123", 45), "WH01")
    assert set(ours) <= set(examples[0]) and ours["status"] == examples[0]["status"] == "in-stock"
    assert set(ours["warehouses"][0]) == {"code", "quantity"}
    empty = inventory_item(QuantityUpdate("EFG456", 0))
    assert empty == {"sku": "EFG456", "status": examples[1]["status"], "quantityAvailable": 0}


@responses.activate
def test_an_inventory_batch_is_pending_with_its_request_id(account):
    _token_fixture()
    answer = load_fixture("rithum/order-shipment-batch-small-async-response.json")
    responses.add(responses.POST, f"{HOST}/inventory/batch/small", status=202, json=answer)
    results = RithumConnector(account).update_quantities([QuantityUpdate("A", 3), QuantityUpdate("B", 0)])
    assert [(r.sku, r.accepted, r.pending) for r in results] == [
        ("A", True, answer["requestId"]),
        ("B", True, answer["requestId"]),
    ]
    assert json.loads(responses.calls[-1].request.body) == [
        {"sku": "A", "status": "in-stock", "quantityAvailable": 3},
        {"sku": "B", "status": "out-of-stock", "quantityAvailable": 0},
    ]
    assert messages_text(answer) == "submitted: Asynchronous request submitted"

    logs = [
        {"payload": {"sku": "A"}, "status": "success"},
        {
            "payload": {"sku": "B"},
            "status": "failure",
            "results": [{"code": "VALIDATION_FAILED", "description": ["item not found", "no catalog"]}],
        },
    ]
    updates = [QuantityUpdate("A", 3), QuantityUpdate("B", 0), QuantityUpdate("C", 1)]
    verdict = results_from_logs(updates, logs)
    assert [(r.sku, r.accepted, r.reason) for r in verdict] == [
        ("A", True, ""),
        ("B", False, "VALIDATION_FAILED: item not found; no catalog"),
        ("C", False, "not in Rithum's change log"),
    ]
    assert results_from_logs(updates, [{"payload": {"sku": "A"}, "status": "pending"}]) is None


def test_quantity_results_wait_for_processing_then_report_per_sku(sim):
    sim.inventory_processing_reads = 1
    sim.rejected_skus["BAD"] = "Item BAD does not exist"
    account = sim_account(sim)
    connector = RithumConnector(account)
    updates = [QuantityUpdate(f"SKU-{n}", n) for n in range(1500)] + [QuantityUpdate("BAD", 2)]
    submitted = connector.update_quantities(updates)
    assert len(sim.calls("POST", "/inventory/batch/small")) == 1
    request_id = submitted[0].pending
    assert connector.quantity_results(request_id, updates) is None  # still processing
    results = connector.quantity_results(request_id, updates)
    assert sum(r.accepted for r in results) == 1500
    assert [(r.sku, r.reason) for r in results if not r.accepted] == [
        ("BAD", "VALIDATION_FAILED: Item BAD does not exist")
    ]
    assert len(sim.calls("GET", "/inventory/log")) == 4  # processing, page 1 of 2, page 2, the empty end
    assert sim.inventory["SKU-7"] == 7


def test_an_order_rithum_failed_to_acknowledge_fails_the_confirm_job_with_its_reason(sim):
    from integration_server.models import OutboundJob
    from integration_server.outbox.runner import run_due_jobs
    from marketplaces.models import Order
    from marketplaces.services.acknowledge import ACKNOWLEDGE_KIND, CONFIRM_KIND, queue_acknowledgements

    account = sim_account(sim)
    known = sim.add_order()["dscoOrderId"]
    orders = [
        Order(account=account, marketplace_order_id=oid, marketplace_status=status)
        for oid, status in ((known, "created"), ("999", "created"), ("555", "acknowledged"))
    ]
    queue_acknowledgements(orders)
    job = OutboundJob.objects.get(kind=ACKNOWLEDGE_KIND)
    assert job.payload["order_ids"] == [known, "999"]  # an order pulled already acknowledged is left alone
    run_due_jobs(ACKNOWLEDGE_KIND)
    assert sim.acknowledged == {known: 1}
    assert sim.orders[known]["dscoLifecycle"] == "acknowledged"

    run_due_jobs(CONFIRM_KIND, now=timezone.now() + timedelta(seconds=130))
    confirm = OutboundJob.objects.get(kind=CONFIRM_KIND)
    assert confirm.state == OutboundJob.State.FAILED
    assert "Rithum did not acknowledge 1 order(s): 999: NOT_FOUND: Order not found" in confirm.last_error


def test_storing_a_page_of_new_orders_costs_the_same_queries_whatever_its_size(sim):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marketplaces.services.ingest import ingest_orders

    account = sim_account(sim)

    def queries_for(count: int) -> int:
        orders = [parse_order(sim.add_order(items=[{"sku": "MUG", "quantity": 1}])) for _ in range(count)]
        with CaptureQueriesContext(connection) as ctx:
            assert ingest_orders(account, orders).created == count
        return len(ctx.captured_queries)

    small = queries_for(5)
    assert queries_for(300) == small  # the acknowledge job included: one job per page, no query per order


def test_manage_py_check_connection_for_a_rithum_account(sim):
    from io import StringIO

    from django.core.management import call_command

    sim_account(sim, name="Rithum sim")
    sim.add_order(updated=timezone.now() - timedelta(minutes=5))
    out = StringIO()
    call_command("check_connection", "Rithum sim", stdout=out)
    text = out.getvalue()
    assert "ok   OAuth token: client credentials accepted" in text
    assert "ok   orders of the last hour: 1 order(s)" in text
    assert text.strip().endswith("1 account(s) checked, 0 check(s) failed.")
