"""The eBay connector on every captured payload in ../shared/fixtures/ebay/, its client (OAuth refresh, the
Trading Ack and error mapping, token retry, quota, safe XML) and, through the simulator, orders, quantities
by listing model, open orders and the connection check."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from django.core.cache import cache
from django.utils import timezone

from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from marketplaces.clients.ebay import EbayClient, EbayTokenRefused
from marketplaces.clients.ebay_xml import UnsafeXmlError, parse_xml, response_root
from marketplaces.connectors import QuantityUpdate, ShipmentConfirmation
from marketplaces.connectors.ebay import (
    EbayConnector,
    ListingModelMismatch,
    complete_sale_fields,
    parse_orders_page,
    revise_results,
)
from marketplaces.models import MarketplaceAccount
from tests.conftest import SHARED_FIXTURES, load_fixture
from tests.plugins.ebay import sim_account


@pytest.fixture
def sim(ebay_sim):
    return ebay_sim


pytestmark = pytest.mark.django_db

HOST = "https://api.ebay.com"
TOKEN_URL = f"{HOST}/identity/v1/oauth2/token"
TRADING_URL = f"{HOST}/ws/api.dll"


@pytest.fixture
def account():
    cache.clear()
    return MarketplaceAccount.objects.create(
        channel="ebay",
        name="eBay US",
        credentials={"client_id": "cid", "client_secret": "csecret", "refresh_token": "v^1.1#stored"},
        options={"listing_model": "trading", "site_id": 0},
    )


def _fixture_bytes(name: str) -> bytes:
    return (SHARED_FIXTURES / "ebay" / name).read_bytes()


def _token(name="oauth-refresh-token-grant-response-kb5075.json"):
    responses.add(responses.POST, TOKEN_URL, json=load_fixture(f"ebay/{name}"))


def _page(name: str):
    return parse_orders_page(parse_xml(_fixture_bytes(name)))


# --- every fixture ------------------------------------------------------------------------------------------
COVERED = {
    "oauth-authorization-code-grant-response-kb5075.json": "test_a_refresh_answer_with_a_new_refresh_token_replaces_the_stored_one",
    "oauth-refresh-token-grant-response-docs.json": "test_a_refresh_answer_without_refresh_token_keeps_the_stored_one",
    "oauth-refresh-token-grant-response-kb5075.json": "test_refresh_token_na_keeps_the_stored_one_and_the_token_is_cached",
    "trading-CompleteSaleRequest-shipment-tracking-kb1557.xml": "test_complete_sale_request_has_the_kb_shape",
    "trading-CompleteSaleResponse-success.xml": "test_complete_sale_success_answer",
    "trading-GetOrdersResponse-active-unpaid-item-sku.xml": "test_unpaid_order_is_not_sent_on",
    "trading-GetOrdersResponse-cancelled-CancelClosedWithRefund.xml": "test_cancelled_order",
    "trading-GetOrdersResponse-completed-shipped-with-tracking.xml": "test_shipped_order_is_stored_not_sent",
    "trading-GetOrdersResponse-multi-transaction-variation-sku.xml": "test_variation_skus_one_line_per_transaction",
    "trading-GetOrdersResponse-page1-of-3-HasMoreOrders-true.xml": "test_paging_pages_1_and_3",
    "trading-GetOrdersResponse-page3-of-3-HasMoreOrders-false.xml": "test_paging_pages_1_and_3",
    "trading-ReviseInventoryStatusRequest-4-InventoryStatus.xml": "test_revise_inventory_status_request_shape",
    "trading-ReviseInventoryStatusResponse-4-items-LMS-wrapped.xml": "test_lms_wrapped_answer_is_unwrapped",
    "trading-ReviseInventoryStatusResponse-failure-4-errors-unsupported-listing-type.xml": "test_four_sku_errors_reject_each_sku",
    "trading-ReviseInventoryStatusResponse-failure-selling-limit-with-ErrorParameters.xml": "test_selling_limit_error_names_its_sku",
    "trading-ReviseInventoryStatusResponse-success-with-fees.xml": "test_success_with_fees_accepts",
    "trading-error-response-931-auth-token-invalid.xml": "test_931_refreshes_once_and_retries",
}


def test_every_ebay_fixture_has_a_test():
    assert {p.name for p in (SHARED_FIXTURES / "ebay").iterdir()} == set(COVERED)
    assert all(name in globals() for name in COVERED.values())


# --- orders ---------------------------------------------------------------------------------------------
def test_unpaid_order_is_not_sent_on():
    orders, more = _page("trading-GetOrdersResponse-active-unpaid-item-sku.xml")
    assert orders == [] and more is False  # Active / checkout Incomplete: comes back once paid


def test_variation_skus_one_line_per_transaction():
    (order,), more = _page("trading-GetOrdersResponse-multi-transaction-variation-sku.xml")
    assert order.marketplace_order_id == "270357010" and not (order.is_cancelled or order.is_shipped)
    assert [(li.line_id, li.sku, li.quantity) for li in order.lines] == [
        ("110142400319-27273537001", "testSku501_W", 1),
        ("110142400319-27273538001", "testSku501_B", 1),
        ("110142400319-27273539001", "testSku501_Y", 1),
    ]
    assert order.lines[0].unit_price == Decimal("1.14")
    assert order.lines[0].title == "levis 501 teenager Trousers[White]"
    assert (order.total, order.currency, order.sales_channel) == (Decimal("6.86"), "USD", "US")
    assert order.buyer["name"] == "Test User" and order.buyer["email"] == "buyer@example.com"
    assert order.buyer["ship_to"] | {} == {
        "name": "Test User",
        "company": "",
        "street1": "address",
        "street2": "",
        "street3": "",
        "city": "city",
        "state": "WA",
        "postal_code": "98102",
        "country": "US",
        "phone": "1 800 111 1111",
        "residential": None,
    }
    assert order.updated_at == datetime(2014, 5, 2, 14, 1, 46, tzinfo=UTC)
    assert "<OrderID>270357010</OrderID>" in order.raw["xml"]


def test_cancelled_order():
    (order,), _ = _page("trading-GetOrdersResponse-cancelled-CancelClosedWithRefund.xml")
    assert order.marketplace_order_id == "26-07596-00721"
    assert order.is_cancelled and not order.is_shipped
    assert [(li.sku, li.quantity) for li in order.lines] == [("FCU-P320", 1)]


def test_shipped_order_is_stored_not_sent():
    (order,), _ = _page("trading-GetOrdersResponse-completed-shipped-with-tracking.xml")
    assert order.marketplace_order_id == "24-07558-27052"
    assert order.is_shipped and not order.is_cancelled
    assert order.lines[0].sku == "DET 9782940"


def test_paging_pages_1_and_3():
    orders, more = _page("trading-GetOrdersResponse-page1-of-3-HasMoreOrders-true.xml")
    assert more is True
    # 5 orders on the page, 3 of them Active with checkout Incomplete (unpaid): not sent on
    assert [o.marketplace_order_id for o in orders] == ["110328339066-0", "110328345822-0"]
    assert orders[0].lines[0].sku == ""  # no Item/SKU nor Variation/SKU: stored and flagged by ingest
    assert orders[0].buyer["email"] == ""  # eBay's "Invalid Request" placeholder is not an address
    orders, more = _page("trading-GetOrdersResponse-page3-of-3-HasMoreOrders-false.xml")
    assert more is False
    assert [len(o.lines) for o in orders] == [2, 3, 1]
    assert orders[1].lines[2].sku == "RLauren_Wom_TShirt_Blu_M"


# --- tracking -------------------------------------------------------------------------------------------
def _confirmation(**kw) -> ShipmentConfirmation:
    base = {
        "marketplace_order_id": "x",
        "tracking_number": "11111111112222222222333333333344",
        "carrier_code": "UPSGround",
        "ship_date": datetime(2010, 2, 18, 11, 17, 47, tzinfo=UTC),
    }
    return ShipmentConfirmation(**{**base, **kw})


def test_complete_sale_request_has_the_kb_shape(account):
    from marketplaces.clients.ebay_xml import build_request

    kb = parse_xml(_fixture_bytes("trading-CompleteSaleRequest-shipment-tracking-kb1557.xml"))
    ours = parse_xml(
        build_request("CompleteSale", complete_sale_fields(("OrderLineItemID", "1-2"), _confirmation()))
    )
    for path in (
        "Shipped",
        "Shipment/ShipmentTrackingDetails/ShippingCarrierUsed",
        "Shipment/ShipmentTrackingDetails/ShipmentTrackingNumber",
    ):
        assert ours.findtext(path).strip() == kb.findtext(path).strip()
    assert ours.findtext("Shipment/ShippedTime") == "2010-02-18T11:17:47.000Z"
    assert ours.findtext("OrderLineItemID") == "1-2"
    assert (
        kb.find("RequesterCredentials") is not None and ours.find("RequesterCredentials") is None
    )  # IAF header


def test_shipped_time_is_never_in_the_future_and_other_carrier_named():
    fields = complete_sale_fields(
        ("OrderID", "1"),
        _confirmation(carrier_code="Other", carrier_name="Evri", ship_date=date.today() + timedelta(days=5)),
    )
    from marketplaces.clients.ebay_xml import build_request

    root = parse_xml(build_request("CompleteSale", fields))
    assert root.findtext("Shipment/ShipmentTrackingDetails/ShippingCarrierUsed") == "Evri"
    shipped = datetime.fromisoformat(root.findtext("Shipment/ShippedTime").replace("Z", "+00:00"))
    assert shipped <= timezone.now()


@responses.activate
def test_complete_sale_success_answer(account):
    _token()
    responses.add(
        responses.POST, TRADING_URL, body=_fixture_bytes("trading-CompleteSaleResponse-success.xml")
    )
    EbayConnector(account).confirm_shipment(_confirmation(lines=[]))
    sent = responses.calls[1].request
    assert sent.headers["X-EBAY-API-CALL-NAME"] == "CompleteSale"
    assert sent.headers["X-EBAY-API-IAF-TOKEN"] == "v^1.1#i ... AjRV4yNjA="
    assert sent.headers["X-EBAY-API-SITEID"] == "0" and sent.headers["X-EBAY-API-COMPATIBILITY-LEVEL"]
    assert parse_xml(sent.body).findtext("OrderID") == "x"


# --- quantities -------------------------------------------------------------------------------------------
def test_revise_inventory_status_request_shape(account):
    from marketplaces.clients.ebay_xml import build_request

    fixture = parse_xml(_fixture_bytes("trading-ReviseInventoryStatusRequest-4-InventoryStatus.xml"))
    ours = parse_xml(
        build_request(
            "ReviseInventoryStatus",
            [
                ("InventoryStatus", [("SKU", s), ("Quantity", q)])
                for s, q in [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
            ],
        )
    )
    assert ours.tag == fixture.tag == "ReviseInventoryStatusRequest"
    assert len(ours.findall("InventoryStatus")) == len(fixture.findall("InventoryStatus")) == 4
    assert fixture.findtext("InventoryStatus[2]/SKU") == "cmg00002"
    assert [s.findtext("Quantity") for s in ours.findall("InventoryStatus")] == ["1", "2", "3", "4"]


def _updates(*skus):
    return [QuantityUpdate(s, 1) for s in skus]


def test_success_with_fees_accepts():
    root = parse_xml(_fixture_bytes("trading-ReviseInventoryStatusResponse-success-with-fees.xml"))
    assert [r.accepted for r in revise_results(_updates("A"), root)] == [True]


def test_lms_wrapped_answer_is_unwrapped():
    root = response_root(
        parse_xml(_fixture_bytes("trading-ReviseInventoryStatusResponse-4-items-LMS-wrapped.xml")),
        "ReviseInventoryStatus",
    )
    assert root.tag == "ReviseInventoryStatusResponse" and root.findtext("Ack") == "Success"
    results = revise_results(_updates("1122334455-AA", "1122334455-AB", "1122334455-AC"), root)
    assert all(r.accepted for r in results)


def test_four_sku_errors_reject_each_sku():
    root = parse_xml(
        _fixture_bytes("trading-ReviseInventoryStatusResponse-failure-4-errors-unsupported-listing-type.xml")
    )
    results = revise_results(_updates("TPM4PK", "TTV559HP-004", "TR12210", "TTV417-004"), root)
    assert [r.accepted for r in results] == [False] * 4
    assert all(r.reason.startswith("21916286: Unsupported ListingType") for r in results)


def test_selling_limit_error_names_its_sku():
    root = parse_xml(
        _fixture_bytes("trading-ReviseInventoryStatusResponse-failure-selling-limit-with-ErrorParameters.xml")
    )
    results = revise_results(_updates("xxx-xxx", "other"), root)
    assert [(r.sku, r.accepted) for r in results] == [("xxx-xxx", False), ("other", True)]
    assert "21919188" in results[0].reason


@responses.activate
def test_trading_failure_without_sku_is_a_typed_error(account):
    _token()
    body = _fixture_bytes(
        "trading-ReviseInventoryStatusResponse-failure-4-errors-unsupported-listing-type.xml"
    )
    system = body.replace(b"RequestError", b"SystemError").replace(b'ParamID="SKU"', b'ParamID="0"')
    responses.add(responses.POST, TRADING_URL, body=body.replace(b'ParamID="SKU"', b'ParamID="0"'))
    responses.add(responses.POST, TRADING_URL, body=system)
    client = EbayClient(account)
    with pytest.raises(PermanentError, match="21916286"):
        client.revise_inventory_status([("TPM4PK", 1)])
    with pytest.raises(RetryableError):
        client.revise_inventory_status([("TPM4PK", 1)])


# --- OAuth ----------------------------------------------------------------------------------------------
@responses.activate
def test_refresh_token_na_keeps_the_stored_one_and_the_token_is_cached(account):
    _token("oauth-refresh-token-grant-response-kb5075.json")
    responses.add(
        responses.POST, TRADING_URL, body=_fixture_bytes("trading-CompleteSaleResponse-success.xml")
    )
    responses.add(
        responses.POST, TRADING_URL, body=_fixture_bytes("trading-CompleteSaleResponse-success.xml")
    )
    EbayClient(account).complete_sale([("OrderID", "1")])
    EbayClient(MarketplaceAccount.objects.get(pk=account.pk)).complete_sale([("OrderID", "1")])
    token_calls = [c for c in responses.calls if c.request.url == TOKEN_URL]
    assert len(token_calls) == 1  # cached, shared by the next client of the account
    form = token_calls[0].request.body
    assert "grant_type=refresh_token" in form and "refresh_token=v%5E1.1%23stored" in form
    assert token_calls[0].request.headers["Authorization"].startswith("Basic ")
    account.refresh_from_db()
    assert account.credentials["refresh_token"] == "v^1.1#stored"  # "N/A" kept the stored one


@responses.activate
def test_the_user_token_is_shared_by_processes_through_the_account_row_encrypted(account):
    from django.db import connection

    _token()
    assert EbayClient(account).access_token() == "v^1.1#i ... AjRV4yNjA="
    cache.clear()  # another process: its own (empty) local cache
    assert (
        EbayClient(MarketplaceAccount.objects.get(pk=account.pk)).access_token() == "v^1.1#i ... AjRV4yNjA="
    )
    assert len([c for c in responses.calls if c.request.url == TOKEN_URL]) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_cache FROM marketplaces_marketplaceaccount WHERE id = %s", [account.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc1:") and "AjRV4yNjA" not in raw
    # a refused token is dropped everywhere: the next caller refreshes
    EbayClient(account).drop_token()
    _token()
    EbayClient(MarketplaceAccount.objects.get(pk=account.pk)).access_token()
    assert len([c for c in responses.calls if c.request.url == TOKEN_URL]) == 2


@responses.activate
def test_a_refresh_answer_without_refresh_token_keeps_the_stored_one(account):
    _token("oauth-refresh-token-grant-response-docs.json")
    assert EbayClient(account).access_token() == "v^1.1#i ... AjRV4yNjA="
    account.refresh_from_db()
    assert account.credentials["refresh_token"] == "v^1.1#stored" and account.refresh_token_issued_at is None


@responses.activate
def test_a_refresh_answer_with_a_new_refresh_token_replaces_the_stored_one(account):
    _token("oauth-authorization-code-grant-response-kb5075.json")
    EbayClient(account).access_token()
    account.refresh_from_db()
    assert account.credentials["refresh_token"].endswith("FAKE-REFRESH-TOKEN-0000000000==")
    assert account.refresh_token_issued_at is not None


@responses.activate
def test_931_refreshes_once_and_retries(account):
    _token()
    _token()
    invalid = _fixture_bytes("trading-error-response-931-auth-token-invalid.xml")
    responses.add(responses.POST, TRADING_URL, body=invalid)
    responses.add(
        responses.POST, TRADING_URL, body=_fixture_bytes("trading-CompleteSaleResponse-success.xml")
    )
    client = EbayClient(account)
    client.complete_sale([("OrderID", "1")])
    assert client.token_refreshes == 2
    assert [c.request.url for c in responses.calls].count(TRADING_URL) == 2

    # refused again with the fresh token: a clear error on the account, no third try
    responses.add(responses.POST, TRADING_URL, body=invalid)
    responses.add(responses.POST, TRADING_URL, body=invalid)
    _token()
    _token()
    cache.clear()
    with pytest.raises(EbayTokenRefused, match="refused a fresh user token"):
        EbayClient(account).complete_sale([("OrderID", "1")])
    account.refresh_from_db()
    assert "931" in account.auth_problem


@responses.activate
def test_revoked_refresh_token_is_a_clear_error_on_the_account_and_healthz(account, client):
    responses.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={
            "error": "invalid_grant",
            "error_description": "the provided authorization refresh token is invalid",
        },
    )
    with pytest.raises(EbayTokenRefused, match="consent again"):
        EbayConnector(account).update_quantities([QuantityUpdate("A", 1)])
    account.refresh_from_db()
    assert "eBay refused the refresh token (invalid_grant)" in account.auth_problem
    answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert any("eBay US" in p and "invalid_grant" in p for p in body["problems"])
    assert "v^1.1#stored" not in json.dumps(body)


@responses.activate
def test_quota_error_is_throttled_without_retry(account):
    _token()
    body = _fixture_bytes("trading-error-response-931-auth-token-invalid.xml").replace(
        b"<ErrorCode>931</ErrorCode>", b"<ErrorCode>518</ErrorCode>"
    )
    responses.add(responses.POST, TRADING_URL, body=body)
    with pytest.raises(ThrottledError) as caught:
        EbayClient(account).official_time()
    assert caught.value.wait_seconds > 0
    assert [c.request.url for c in responses.calls].count(TRADING_URL) == 1


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<GeteBayOfficialTimeResponse xmlns="urn:ebay:apis:eBLBaseComponents"><Ack>&xxe;</Ack></GeteBayOfficialTimeResponse>"""


def test_xml_with_an_external_entity_is_refused():
    with pytest.raises(UnsafeXmlError):
        parse_xml(XXE)
    with pytest.raises(UnsafeXmlError):
        parse_xml(b'<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>')


@responses.activate
def test_an_answer_with_an_external_entity_is_refused_by_the_client(account):
    _token()
    responses.add(responses.POST, TRADING_URL, body=XXE)
    with pytest.raises(PermanentError, match="refused XML"):
        EbayClient(account).official_time()


# --- through the simulator -----------------------------------------------------------------------------------
def test_orders_page_through_the_simulator(sim, settings):
    account = sim_account(sim)
    for n in range(7):
        sim.add_order(f"01-00000-{n:05d}", items=[{"sku": f"S{n}", "quantity": 1, "variation": n % 2 == 0}])
    sim.add_order("02-00000-00000", paid=False)
    settings.EBAY_ORDERS_PAGE_SIZE = 3
    pages = list(EbayConnector(account).iter_orders(timezone.now() - timedelta(days=1)))
    assert [len(p.orders) for p in pages] == [3, 3, 1]  # the unpaid one is read, not returned
    assert [p.next_token for p in pages] == ["2", "3", None]
    assert {li.sku for p in pages for o in p.orders for li in o.lines} == {f"S{n}" for n in range(7)}
    # an interrupted pull continues from its page
    resumed = list(EbayConnector(account).iter_orders(timezone.now() - timedelta(days=1), resume_token="3"))
    assert (
        len(resumed) == 1
        and resumed[0].orders[0].marketplace_order_id == pages[2].orders[0].marketplace_order_id
    )


def test_an_expired_token_is_refreshed_once_and_the_call_retried(sim):
    account = sim_account(sim)
    sim.add_order("03-00000-00001")
    connector = EbayConnector(account)
    assert len(list(connector.list_open_orders())) == 1
    sim.expire_tokens()
    assert [o.marketplace_order_id for o in EbayConnector(account).list_open_orders()] == ["03-00000-00001"]
    assert len(sim.calls("POST", "/identity/v1/oauth2/token")) == 2
    getorders = [
        r for r in sim.calls("POST", "/ws/api.dll") if r.headers["x-ebay-api-call-name"] == "GetOrders"
    ]
    assert len(getorders) == 3  # first pull, the refused call, its retry


def test_quota_exhausted_in_the_simulator_throttles(sim):
    account = sim_account(sim)
    sim.set_quota("GetOrders", 0)
    with pytest.raises(ThrottledError):
        list(EbayConnector(account).iter_orders(timezone.now() - timedelta(hours=1)))


def test_inventory_api_quantities_25_per_call_with_per_sku_results(sim):
    account = sim_account(sim, listing_model="inventory_api")
    sim.rejected_skus["BAD"] = "Offer is not published"
    sim.add_listing("OLD", model="trading")
    connector = EbayConnector(account)
    assert connector.max_quantity_batch == 25
    updates = [QuantityUpdate(f"SKU-{n}", n) for n in range(23)] + [
        QuantityUpdate("BAD", 1),
        QuantityUpdate("OLD", 2),
    ]
    results = connector.update_quantities(updates)
    assert len(sim.calls("POST", "/sell/inventory/v1/bulk_update_price_quantity")) == 1
    assert [r.sku for r in results if not r.accepted] == ["BAD", "OLD"]
    assert "listing model" in results[-1].reason
    assert sim.quantities() == {f"SKU-{n}": n for n in range(23)}
    sent = json.loads(sim.calls("POST", "/sell/inventory/v1/bulk_update_price_quantity")[0].body)
    assert sent["requests"][0] == {"sku": "SKU-0", "shipToLocationAvailability": {"quantity": 0}}
    with pytest.raises(ValueError):
        connector.update_quantities([QuantityUpdate(f"X{n}", 1) for n in range(26)])


def test_trading_quantities_4_per_call_and_listing_model_mismatch_is_a_configuration_error(sim):
    account = sim_account(sim, listing_model="trading")
    for sku in ("A", "B", "C"):
        sim.add_listing(sku, model="trading")
    sim.rejected_skus["C"] = "Quantity is invalid"
    connector = EbayConnector(account)
    assert connector.max_quantity_batch == 4
    results = connector.update_quantities(
        [QuantityUpdate("A", 3), QuantityUpdate("B", 0), QuantityUpdate("C", 1)]
    )
    assert [(r.sku, r.accepted) for r in results] == [("A", True), ("B", True), ("C", False)]
    assert sim.quantities() == {"A": 3, "B": 0}

    # listings made with the Inventory API, account set to "trading": not retried, shown to ops
    sim.add_listing("INV-1", model="inventory_api")
    sim.add_listing("INV-2", model="inventory_api")
    with pytest.raises(ListingModelMismatch) as caught:
        connector.update_quantities([QuantityUpdate("INV-1", 1), QuantityUpdate("INV-2", 1)])
    assert isinstance(caught.value, PermanentError)
    account.refresh_from_db()
    assert "listing_model" in account.config_problem


def test_open_orders_for_the_alerts(sim):
    account = sim_account(sim)
    sim.add_order("04-00000-00001")
    sim.add_order("04-00000-00002")
    sim.add_order("04-00000-00003", paid=False)
    sim.cancel("04-00000-00002")
    assert [o.marketplace_order_id for o in EbayConnector(account).list_open_orders()] == ["04-00000-00001"]


def test_an_unpaid_order_arrives_once_paid(sim):
    from marketplaces.services.pull import pull_orders

    account = sim_account(sim)
    sim.add_order("05-00000-00001", paid=False)
    assert pull_orders(account).result.created == 0
    sim.pay("05-00000-00001")
    summary = pull_orders(account)
    assert summary.result.created == 1 and account.orders.get().marketplace_order_id == "05-00000-00001"


def test_rest_quota_is_throttled(sim):
    account = sim_account(sim)
    sim.set_quota("bulkUpdatePriceQuantity", 0)
    with pytest.raises(ThrottledError, match="quota"):
        EbayConnector(account).update_quantities([QuantityUpdate("A", 1)])
