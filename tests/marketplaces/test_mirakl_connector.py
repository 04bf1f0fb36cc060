"""The Mirakl connector on every fixture in ../shared/fixtures/mirakl/, its client (bare shop key, shop_id,
per-operation pacing, 429 + Retry-After, a refused key written on the account), the acceptance policies
through the simulator (an unknown SKU accepted around, refused, or left for ops, each saying why), tracking
(OR23 then OR24, carrier code from SH21 or name + URL, split packages) and the STO01 stock import."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import responses
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from integration_server.http.errors import AuthenticationError, PermanentError, ThrottledError
from integration_server.models import RateLimitBucket
from integration_server.simulators import serve_in_thread
from inventory.models import StockLevel
from marketplaces.clients.mirakl import MiraklClient
from marketplaces.connectors import QuantityUpdate, ShipmentConfirmation, connector_for
from marketplaces.connectors.base import PulledOrder, PulledOrderLine
from marketplaces.connectors.mirakl import (
    STOCK_CSV_COLUMNS,
    MiraklConnector,
    error_report_rows,
    parse_order,
    results_from_import,
    shipment_entry,
    shipment_problems,
    stock_csv,
    tracking_body,
)
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.acceptance import decide
from marketplaces.services.pull import PullPaused, pull_orders
from marketplaces.simulators.mirakl import MiraklSimulator
from tests.conftest import SHARED_FIXTURES, load_fixture

pytestmark = pytest.mark.django_db

HOST = "https://marketplace.example-operator.com"
FIXTURES = SHARED_FIXTURES / "mirakl"


def fixture(name: str):
    return load_fixture(f"mirakl/mmp-seller_{name}")


@pytest.fixture(autouse=True)
def _no_cached_carriers():
    cache.clear()


@pytest.fixture
def account():
    return MarketplaceAccount.objects.create(
        channel="mirakl", name="Operator", api_base_url=HOST, credentials={"api_key": "shop-key-123"}
    )


@pytest.fixture
def sim():
    sim = MiraklSimulator({"operator-a": "sim-key-a", "operator-b": "sim-key-b"})
    sim.touch_age = timedelta(minutes=2)  # Mirakl's changes already inside the next pull's window
    server = serve_in_thread(sim)
    yield sim
    server.shutdown()


def sim_account(sim, operator="operator-a", store=310003, **options) -> MarketplaceAccount:
    return MarketplaceAccount.objects.create(
        channel="mirakl",
        name=f"Mirakl {operator}",
        api_base_url=sim.url(operator),
        credentials={"api_key": sim.operators[operator].api_key},
        options=options,
        shipstation_store_id=store,
    )


def stock(**levels):
    for sku, units in levels.items():
        StockLevel.objects.create(sku=sku.replace("_", "-"), zoho_available=units, shadow_available=units)


# --- every fixture --------------------------------------------------------------------------------------
def test_every_fixture_file_is_used_here():
    source = Path(__file__).read_text(encoding="utf-8")
    for path in FIXTURES.iterdir():
        name = path.name.removeprefix("mmp-seller_")
        assert f'"{name}"' in source, f"{path.name} is parsed by no test"


def test_or11_order_parsed():
    data = fixture("OR11_200_example.json")
    assert data["total_count"] == 1
    order = parse_order(data["orders"][0])
    assert order.marketplace_order_id == "Order_00010-A" and order.status == "RECEIVED"
    assert order.is_shipped and not order.is_cancelled and not order.on_hold
    assert order.updated_at.isoformat() == "2019-04-02T14:59:58+00:00"
    assert order.purchased_at.isoformat() == "2019-04-02T14:18:43+00:00"
    assert order.ship_by.isoformat().startswith("2019-09-01T23:59:59")
    [line] = order.lines
    assert (line.line_id, line.sku, line.quantity) == ("Order_00010-A-1", "S2000", 3)
    assert line.unit_price == Decimal("55") and line.title.startswith("Breville Cafe Roma")
    ship_to = order.buyer["ship_to"]
    assert ship_to["name"] == "Smith Taylor" and ship_to["country"] == "US"  # USA -> US for ShipStation
    assert (ship_to["street1"], ship_to["city"], ship_to["postal_code"]) == (
        "113 MacDougal Street",
        "New York",
        "NY 10012",
    )
    assert order.buyer["email"].endswith("@notification.mirakl.net")
    assert (order.currency, order.total, order.shipping_amount, order.tax_amount) == (
        "USD",
        Decimal("173"),
        Decimal("8"),
        Decimal("80"),
    )
    assert order.sales_channel == "US" and order.shipping_service == "Standard"


@pytest.mark.parametrize(
    "state,hold,cancelled,shipped",
    [
        ("WAITING_ACCEPTANCE", True, False, False),
        ("WAITING_DEBIT_PAYMENT", True, False, False),
        ("SHIPPING", False, False, False),
        ("CANCELED", False, True, False),
        ("REFUSED", False, True, False),
        ("SHIPPED", False, False, True),
    ],
)
def test_order_states(state, hold, cancelled, shipped):
    record = json.loads(json.dumps(fixture("OR11_200_example.json")["orders"][0]))
    record["order_state"] = state
    order = parse_order(record)
    assert (order.on_hold, order.is_cancelled, order.is_shipped) == (hold, cancelled, shipped)


def test_refused_and_cancelled_lines_are_left_out_of_an_open_order():
    record = json.loads(json.dumps(fixture("OR11_200_example.json")["orders"][0]))
    second = {**record["order_lines"][0], "order_line_id": "Order_00010-A-2", "order_line_state": "REFUSED"}
    record["order_lines"].append(second)
    record["order_state"] = "SHIPPING"
    record["order_lines"][0]["cancelations"] = [{"quantity": 1}]
    order = parse_order(record)
    assert [(line.line_id, line.quantity) for line in order.lines] == [("Order_00010-A-1", 2)]


@responses.activate
def test_or21_body_is_the_fixture_shape(account):
    expected = fixture("OR21_request_example.json")
    responses.put(
        f"{HOST}/api/orders/Order_00012-B/accept",
        status=204,
        match=[responses.matchers.json_params_matcher(expected)],
    )
    MiraklClient(account).accept_order("Order_00012-B", [("Order_00012-B-1", True)])
    assert responses.calls[0].request.headers["Authorization"] == "shop-key-123"  # no Bearer


def confirmation(**kw) -> ShipmentConfirmation:
    values = {
        "marketplace_order_id": "MIR-1-A",
        "tracking_number": "5555",
        "carrier_code": "other",
        "carrier_name": "UPS",
        "lines": [("MIR-1-A-1", 1)],
    }
    return ShipmentConfirmation(**{**values, **kw})


def test_or23_body_with_sh21_codes_or_name_and_url():
    carriers = fixture("SH21_200_example.json")["carriers"]
    request = fixture("OR23_request_example.json")
    known = tracking_body(confirmation(), carriers)  # the name matches SH21's UPS
    assert known == {"carrier_code": "UPS", "tracking_number": "5555"}
    assert set(known) <= set(request)
    # FedEx as ShipStation names it, "Fed Ex" in SH21: matched to the operator's code
    assert tracking_body(confirmation(carrier_name="FedEx"), carriers)["carrier_code"] == "FED"
    # an admin mapping row gives the operator's code directly
    assert tracking_body(confirmation(carrier_code="DPD", carrier_name=""), carriers)["carrier_code"] == "DPD"
    unknown = tracking_body(confirmation(carrier_name="USPS", tracking_number="9400 1"), carriers)
    assert set(unknown) == {"carrier_name", "carrier_url", "tracking_number"} and set(unknown) <= set(request)
    assert unknown["carrier_url"] == "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400%201"
    other = tracking_body(confirmation(carrier_name="Speedy Parcels"), carriers)
    assert other["carrier_name"] == "Speedy Parcels" and other["carrier_url"].startswith("https://")


def test_st01_st23_st24_shapes_and_answers():
    carriers = fixture("SH21_200_example.json")["carriers"]
    request = fixture("ST01_request_example.json")["shipments"][1]
    entry = shipment_entry(confirmation(lines=[("ORDER_01-A-1", 1)]), carriers)
    assert set(entry) <= set(request) and entry["shipped"] is True
    assert set(entry["shipment_lines"][0]) <= set(request["shipment_lines"][0])
    assert set(entry["tracking"]) <= set(fixture("ST23_request_example.json")["shipments"][0]["tracking"])
    assert {s["id"] for s in fixture("ST24_request_example.json")["shipments"]} >= {
        "f40bf65e-a320-41d3-878c-36ce9e1144ce"
    }
    # answers: errors that mean "already shipped" are done; any other is a problem
    assert shipment_problems(fixture("ST01_201_example.json")) == ["Shipment quantity is invalid."]
    assert shipment_problems(fixture("ST23_200_example.json")) == [
        "No shipment with id 'f40bf65e-a320-41d3-878c-36ce9e1144ce'."
    ]
    assert shipment_problems(fixture("ST24_200_example.json")) == [
        "No shipment with id 'ff341bfe-ebeb-4211-848b-77fcbcd91723'."
    ]


def test_st11_st12_list_the_lines_a_shipment_carries():
    """ST11 / ST12 (not called: OR23 + OR24 or ST01 suffice) carry the same line identity ST01 sends."""
    shipments = fixture("ST11_200_example.json")
    to_ship = fixture("ST12_200_example.json")
    for page in (shipments, to_ship):
        assert "next_page_token" in page
        for shipment in page["data"]:
            assert all({"order_line_id", "quantity"} <= set(line) for line in shipment["shipment_lines"])
    assert shipments["data"][0]["tracking"]["carrier_code"] == "UPS"


def test_stock_never_uses_the_offer_imports():
    """OF24 rewrites whole offers (every field not sent is reset) and OF01 imports whole offers: STO01's file
    holds the quantity columns only."""
    of24 = fixture("OF24_request_example.json")["offers"][0]
    of01_columns = fixture("OF01_offers-import_example.csv").splitlines()[0].split(";")
    text = stock_csv([QuantityUpdate("SKU-1", 7), QuantityUpdate("SKU-2", -3)], "WH1")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [list(STOCK_CSV_COLUMNS), ["SKU-1", "7", "WH1", "update"], ["SKU-2", "0", "WH1", "update"]]
    assert "price" in of24 and "price" in of01_columns and "price" not in rows[0]
    assert fixture("OF24_201_example.json") == {"import_id": 2044}  # the same answer shape as STO01


# --- client ---------------------------------------------------------------------------------------------
@responses.activate
def test_client_sends_the_bare_key_and_shop_id(account):
    account.options = {"shop_id": "2012"}
    responses.get(f"{HOST}/api/orders", json={"orders": [], "total_count": 0})
    MiraklClient(account).list_orders({"max": 1})
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "shop-key-123"
    assert "shop_id=2012" in request.url and "max=1" in request.url


@responses.activate
def test_429_is_throttled_with_retry_after(account):
    responses.get(f"{HOST}/api/orders", status=429, headers={"Retry-After": "37"})
    with pytest.raises(ThrottledError) as caught:
        MiraklClient(account).list_orders({})
    assert caught.value.wait_seconds == 37


@responses.activate
def test_a_refused_key_is_written_on_the_account_until_a_call_succeeds(account):
    responses.get(f"{HOST}/api/shipping/carriers", status=401)
    with pytest.raises(AuthenticationError):
        MiraklClient(account).carriers()
    account.refresh_from_db()
    assert "refused the API key" in account.auth_problem and "shop-key" not in account.auth_problem
    responses.replace(responses.GET, f"{HOST}/api/shipping/carriers", json={"carriers": []})
    MiraklClient(account).carriers()
    account.refresh_from_db()
    assert account.auth_problem == ""


@responses.activate
@override_settings(HTTP_PACING_ENABLED=True)
def test_or11_and_sto01_at_most_once_a_minute_per_account_sh21_once_a_day(account):
    other = MarketplaceAccount.objects.create(
        channel="mirakl", name="Operator 2", api_base_url=HOST, credentials={"api_key": "k2"}
    )
    responses.get(f"{HOST}/api/orders", json={"orders": [], "total_count": 0})
    client = MiraklClient(account)
    client.list_orders({})
    with pytest.raises(ThrottledError) as caught:
        client.list_orders({})
    assert 55 < caught.value.wait_seconds <= 60
    MiraklClient(other).list_orders({})  # another operator account has its own minute
    assert len(responses.calls) == 2
    responses.post(f"{HOST}/api/offers/stock/imports", json={"import_id": 1})
    client.import_stock("x")
    with pytest.raises(ThrottledError):
        client.import_stock("x")
    responses.get(f"{HOST}/api/shipping/carriers", json=fixture("SH21_200_example.json"))
    connector = MiraklConnector(account)
    assert len(connector.carriers()) == 5
    cache.clear()
    assert connector.carriers() == []  # the day's SH21 call is spent: name + URL for every carrier
    bucket = RateLimitBucket.objects.get(key=f"mirakl:{account.pk}:SH21")
    assert bucket.next_free_at > timezone.now() + timedelta(hours=23)


def test_no_base_url_is_a_clear_error():
    account = MarketplaceAccount.objects.create(channel="mirakl", name="x", credentials={"api_key": "k"})
    with pytest.raises(PermanentError, match="no base URL"):
        connector_for(account).client.list_orders({})


# --- stock import results ------------------------------------------------------------------------------
def test_error_report_gives_exactly_the_rejected_skus():
    report = (
        '"offer-sku";"quantity";"warehouse-code";"update-delete";"error-line";"error-message"\n'
        '"A";"1";"";"update";"2";"The offer A is unknown"\n'
        '"C";"x";"";"update";"4";"The quantity is invalid"\n'
    )
    assert error_report_rows(report) == {"A": "The offer A is unknown", "C": "The quantity is invalid"}
    updates = [QuantityUpdate(s, 1) for s in "ABC"]
    results = results_from_import(updates, {"status": "COMPLETE", "has_error_report": True}, report)
    assert [(r.sku, r.accepted, r.reason) for r in results] == [
        ("A", False, "The offer A is unknown"),
        ("B", True, ""),
        ("C", False, "The quantity is invalid"),
    ]
    failed = results_from_import(updates, {"status": "FAILED"}, "")
    assert {r.accepted for r in failed} == {False} and failed[0].reason == "import FAILED"


def test_stock_import_through_the_simulator(sim):
    account = sim_account(sim)
    op = sim.operators["operator-a"]
    op.import_processing_reads = 1
    op.rejected_skus = {"SKU-3": "The offer SKU-3 does not exist", "SKU-5": "Offer SKU-5 is inactive"}
    connector = connector_for(account)
    updates = [QuantityUpdate(f"SKU-{n}", n) for n in range(6)]
    submitted = connector.update_quantities(updates)
    [upload] = sim.calls("POST", "/operator-a/api/offers/stock/imports")
    assert (
        "multipart/form-data" in upload.headers["content-type"]
        and upload.headers["authorization"] == "sim-key-a"
    )
    assert {r.pending for r in submitted} == {"2044"} and all(r.accepted for r in submitted)
    assert connector.quantity_results("2044", updates) is None  # still RUNNING
    results = connector.quantity_results("2044", updates)
    assert {r.sku: r.reason for r in results if not r.accepted} == {
        "SKU-3": "The offer SKU-3 does not exist",
        "SKU-5": "Offer SKU-5 is inactive",
    }
    assert op.offers == {"SKU-0": 0, "SKU-1": 1, "SKU-2": 2, "SKU-4": 4}
    assert not sim.calls(path_prefix="/operator-a/api/offers/imports")  # never OF24 / OF01


# --- acceptance -------------------------------------------------------------------------------------------
def pulled(*lines) -> PulledOrder:
    return PulledOrder(
        marketplace_order_id="O-1",
        status="WAITING_ACCEPTANCE",
        updated_at=None,
        lines=[PulledOrderLine(f"O-1-{n}", sku, qty) for n, (sku, qty) in enumerate(lines, start=1)],
    )


def test_decide_per_policy():
    available = {"MUG": 5, "PLATE": 1}
    order = pulled(("MUG", 2), ("PLATE", 2), ("GHOST", 1))
    partial = decide(order, dict(available), "accept_known")
    assert partial.accepted == {"O-1-1": True, "O-1-2": False, "O-1-3": False}
    assert partial.reasons == {
        "O-1-2": "SKU PLATE out of stock: 1 available, 2 ordered",
        "O-1-3": "unknown SKU GHOST",
    }
    assert decide(order, dict(available), "refuse").none_accepted
    assert not decide(order, dict(available), "leave").send
    stock_left = dict(available)
    assert decide(pulled(("MUG", 3)), stock_left, "accept_known").all_accepted
    assert not decide(pulled(("MUG", 3)), stock_left, "accept_known").all_accepted  # 2 left after the first


def test_known_skus_accepted_the_unknown_line_refused_with_its_reason(sim):
    stock(MUG=10)
    account = sim_account(sim, acceptance_policy="accept_known")
    op = sim.operators["operator-a"]
    op.auto_debit = False
    sim.add_order("operator-a", "A-1", lines=[{"sku": "MUG", "quantity": 2}, {"sku": "GHOST", "quantity": 1}])

    pull_orders(account)

    [accept] = sim.calls("PUT", "/operator-a/api/orders/A-1/accept")
    assert accept.json() == {
        "order_lines": [{"id": "A-1-1", "accepted": True}, {"id": "A-1-2", "accepted": False}]
    }
    order = Order.objects.get()
    assert order.state == Order.State.HELD  # accepted, waiting for the debit: not in ShipStation yet
    lines = {line.sku: line for line in order.lines.all()}
    assert lines["GHOST"].quantity == 0
    assert lines["GHOST"].refused_reason == "refused at acceptance (1 ordered): unknown SKU GHOST"
    assert StockLevel.objects.get(sku="MUG").shadow_available == 8  # counted at acceptance

    sim.debit("operator-a", "A-1")
    sim.next_minute()
    summary = pull_orders(account)
    order.refresh_from_db()
    assert order.state == Order.State.NEW and summary.result.updated == 1
    assert StockLevel.objects.get(sku="MUG").shadow_available == 8  # not counted twice
    assert len(sim.calls("PUT", "/operator-a/api/orders/A-1/accept")) == 1


def test_refuse_policy_refuses_the_order_and_says_why(sim):
    stock(MUG=10)
    account = sim_account(sim, acceptance_policy="refuse")
    sim.add_order("operator-a", "A-2", lines=[{"sku": "MUG", "quantity": 1}, {"sku": "GHOST", "quantity": 1}])
    pull_orders(account)
    [accept] = sim.calls("PUT", "/operator-a/api/orders/A-2/accept")
    assert [line["accepted"] for line in accept.json()["order_lines"]] == [False, False]
    order = Order.objects.get()
    assert order.state == Order.State.CANCELLED and order.problem_kind == "not_accepted"
    assert order.problem == "Refused at acceptance: unknown SKU GHOST."
    assert sim.operators["operator-a"].orders["A-2"]["order_state"] == "REFUSED"
    assert StockLevel.objects.get(sku="MUG").shadow_available == 10


def test_leave_policy_flags_the_order_for_ops_then_follows_their_decision(sim):
    stock(MUG=10)
    account = sim_account(sim, acceptance_policy="leave")
    sim.add_order("operator-a", "A-3", lines=[{"sku": "GHOST", "quantity": 1}])
    pull_orders(account)
    assert not sim.calls("PUT", "/operator-a/api/orders/A-3/accept")
    order = Order.objects.get()
    assert order.state == Order.State.FLAGGED and order.problem_kind == "not_accepted"
    assert "Left for ops" in order.problem and "unknown SKU GHOST" in order.problem

    # ops accept it in the operator's back office: it reaches SHIPPING and goes on as a new order
    record = sim.operators["operator-a"].orders["A-3"]
    sim._touch(record, "SHIPPING", "SHIPPING")
    sim.next_minute()
    pull_orders(account)
    order.refresh_from_db()
    assert order.state == Order.State.NEW and order.problem == "" and order.problem_kind == ""


def test_an_acceptance_mirakl_refuses_flags_the_order(sim):
    stock(MUG=10)
    account = sim_account(sim)
    sim.add_order("operator-a", "A-4", lines=[{"sku": "MUG", "quantity": 1}])

    def refuse(*args):
        raise PermanentError(
            "PUT /api/orders/A-4/accept rejected: partial acceptance is disabled", vendor="mirakl"
        )

    connector = connector_for(account)
    connector.client.accept_order = refuse
    pull_orders(account, connector=connector)
    order = Order.objects.get()
    assert order.state == Order.State.FLAGGED and "partial acceptance is disabled" in order.problem


def test_a_throttled_pull_stores_nothing_undecided_and_reads_the_window_again(sim):
    stock(MUG=10)
    account = sim_account(sim)
    sim.add_order("operator-a", "A-5", lines=[{"sku": "MUG", "quantity": 1}])
    pull_orders(account)
    with pytest.raises(PullPaused):
        pull_orders(account)  # within the minute: 429 with Retry-After 60
    assert Order.objects.count() == 1


# --- tracking -----------------------------------------------------------------------------------------------
def shipping_order(sim, account, order_id="T-1", lines=None):
    stock(MUG=10, PLATE=10)
    sim.add_order(
        "operator-a",
        order_id,
        lines=lines or [{"sku": "MUG", "quantity": 1}, {"sku": "PLATE", "quantity": 2}],
    )
    pull_orders(account)
    return sim.operators["operator-a"].orders[order_id]


def test_tracking_then_ship_and_later_packages_recorded_only(sim):
    account = sim_account(sim)
    record = shipping_order(sim, account)
    connector = connector_for(account)
    connector.confirm_shipment(
        confirmation(
            marketplace_order_id="T-1", carrier_name="FedEx", tracking_number="1Z1", lines=[("T-1-1", 1)]
        )
    )
    op = sim.operators["operator-a"]
    assert op.tracking["T-1"] == [{"carrier_code": "FED", "tracking_number": "1Z1"}]
    assert record["order_state"] == "SHIPPED"
    # the second package of a split shipment: OR23 holds one tracking number, Mirakl refuses it now
    connector.confirm_shipment(
        confirmation(marketplace_order_id="T-1", tracking_number="1Z2", lines=[("T-1-2", 2)])
    )
    assert len(op.tracking["T-1"]) == 1
    calls = [c.path.rsplit("/", 1)[1] for c in sim.calls("PUT", "/operator-a/api/orders/T-1/")]
    assert calls == ["accept", "tracking", "ship", "tracking"]
    assert len(sim.calls("GET", "/operator-a/api/shipping/carriers")) == 1  # SH21 cached


def test_multi_shipment_sends_each_package_as_a_shipment(sim):
    account = sim_account(sim, multi_shipment=True)
    record = shipping_order(sim, account, "T-2")
    connector = connector_for(account)
    connector.confirm_shipment(
        confirmation(
            marketplace_order_id="T-2", carrier_name="UPS", tracking_number="A", lines=[("T-2-1", 1)]
        )
    )
    assert record["order_state"] == "SHIPPING"
    connector.confirm_shipment(
        confirmation(
            marketplace_order_id="T-2", carrier_name="Speedy", tracking_number="B", lines=[("T-2-2", 2)]
        )
    )
    assert record["order_state"] == "SHIPPED"
    shipments = sim.operators["operator-a"].shipments
    assert [s["tracking"].get("carrier_code") or s["tracking"]["carrier_name"] for s in shipments] == [
        "UPS",
        "Speedy",
    ]
    assert [s["shipment_lines"] for s in shipments] == [
        [{"order_line_id": "T-2-1", "quantity": 1}],
        [{"order_line_id": "T-2-2", "quantity": 2}],
    ]
    # the same package again: "already shipped" is done, not a failure
    connector.confirm_shipment(
        confirmation(marketplace_order_id="T-2", tracking_number="B", lines=[("T-2-2", 2)])
    )


def test_open_orders_and_connection_check(sim):
    account = sim_account(sim)
    shipping_order(sim, account, "T-3")
    sim.add_order("operator-a", "T-4", lines=[{"sku": "MUG", "quantity": 1}])  # waiting for acceptance
    sim.next_minute()
    assert [o.marketplace_order_id for o in connector_for(account).list_open_orders()] == ["T-3"]
    sim.next_minute()
    checks = connector_for(account).check_connection()
    assert [(c.name, c.ok) for c in checks] == [
        ("credentials", True),
        ("OR11 orders of the last hour", True),
        ("SH21 carriers", True),
        ("acceptance policy", True),
    ]
    assert checks[2].detail.startswith("3 carrier(s): FED, UPS, DHL")
    wrong = sim_account(sim, "operator-b")
    wrong.credentials = {"api_key": "not-the-key"}
    failed = connector_for(wrong).check_connection()
    assert not failed[1].ok and "AuthenticationError" in failed[1].detail


def test_manage_py_check_connection_for_a_mirakl_account(sim):
    sim_account(sim)
    out = io.StringIO()
    call_command("check_connection", "Mirakl operator-a", stdout=out)
    text = out.getvalue()
    assert "OR11 orders of the last hour" in text and "3 carrier(s)" in text
    assert "sim-key-a" not in text


def test_a_held_order_cancelled_before_the_debit_gives_the_stock_back(sim):
    stock(MUG=10)
    account = sim_account(sim)
    sim.operators["operator-a"].auto_debit = False
    sim.add_order("operator-a", "H-1", lines=[{"sku": "MUG", "quantity": 3}])
    pull_orders(account)
    assert Order.objects.get().state == Order.State.HELD
    assert StockLevel.objects.get(sku="MUG").shadow_available == 7
    sim.cancel_order("operator-a", "H-1")  # the debit failed
    sim.next_minute()
    assert pull_orders(account).result.cancelled == 1
    assert Order.objects.get().state == Order.State.CANCELLED
    assert StockLevel.objects.get(sku="MUG").shadow_available == 10


def test_the_demo_simulator_serves_both_seeded_operators():
    from marketplaces.demo import MIRAKL_OPERATORS
    from marketplaces.simulators.mirakl import demo_simulator

    demo = demo_simulator()
    server = serve_in_thread(demo)
    try:
        stock(SKU_000000=50, SKU_000001=50, SKU_000002=50)
        accounts = []
        for name, operator, key, store, policy in MIRAKL_OPERATORS:
            accounts.append(
                MarketplaceAccount.objects.create(
                    channel="mirakl",
                    name=name,
                    api_base_url=demo.url(operator),
                    credentials={"api_key": key},
                    options={"acceptance_policy": policy},
                    shipstation_store_id=store,
                )
            )
            pull_orders(accounts[-1])
    finally:
        server.shutdown()
    same = Order.objects.filter(marketplace_order_id="ORDER-1001-A")
    assert same.count() == 2 and {o.account_id for o in same} == {a.pk for a in accounts}
    unknown = Order.objects.filter(lines__sku="NOT-IN-ZOHO")
    assert {(o.account.name, o.state) for o in unknown} == {
        ("Mirakl operator A (simulator)", Order.State.CANCELLED),
        ("Mirakl operator B (simulator)", Order.State.FLAGGED),
    }


def test_accepting_a_page_costs_no_query_per_order(sim):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stock(MUG=10_000)

    def queries_for(operator: str, count: int) -> int:
        account = sim_account(sim, operator)
        for n in range(count):
            sim.add_order(
                operator,
                f"{operator}-{n}",
                lines=[{"sku": "MUG", "quantity": 1}, {"sku": "GHOST", "quantity": 1}],
            )
        with CaptureQueriesContext(connection) as captured:
            pull_orders(account)
        assert Order.objects.filter(account=account, state=Order.State.HELD).count() == count
        return len(captured)

    sim.add_operator("warm-up", "sim-key-w", auto_debit=False)
    sim.operators["operator-a"].auto_debit = sim.operators["operator-b"].auto_debit = False
    queries_for("warm-up", 1)  # first-use caches (content types, allocation context) out of the count
    assert queries_for("operator-a", 3) == queries_for("operator-b", 60)
