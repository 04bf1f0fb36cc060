"""The ops UI of the orders flow: pages render without N+1, secrets are masked, actions queue the work."""

from __future__ import annotations

import pytest

from integration_server.models import OutboundJob
from logistics.models import ShipStationAccount, ShipStationShipment
from logistics.shipstation.outbound import CREATE_KIND
from logistics.shipstation.shipments import PUSH_TRACKING_KIND
from marketplaces.models import MarketplaceAccount, Order
from marketplaces.services.pull import pull_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(flow, django_capture_on_commit_callbacks):
    ss, amz, ss_account, account = flow
    for _ in range(8):
        amz.add_order()
    amz.add_order("112-0000000-0000009", items=[])
    from logistics.shipstation.shipments import poll_shipstation

    with django_capture_on_commit_callbacks(execute=True):
        pull_orders(account)
    ss.ship_order(next(iter(ss.orders)), notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        poll_shipstation()
    return flow


@pytest.mark.parametrize(
    "url",
    [
        "/admin/marketplaces/order/",
        "/admin/marketplaces/order/?state__exact=flagged",
        "/admin/marketplaces/marketplaceaccount/",
        "/admin/logistics/shipstationorder/",
        "/admin/logistics/shipstationshipment/",
        "/admin/logistics/shipstationaccount/",
        "/admin/logistics/carriercodemapping/",
    ],
)
def test_lists_render_with_a_bounded_number_of_queries(
    admin_client, shipped, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        assert admin_client.get(url).status_code == 200


def test_order_page_shows_lines_shipstation_state_shipments_and_jobs(admin_client, shipped):
    order = Order.objects.filter(shipstation_shipments__isnull=False).get()
    html = admin_client.get(f"/admin/marketplaces/order/{order.pk}/change/").content.decode()
    assert order.lines.get().sku in html
    assert "amazon:" + order.marketplace_order_id in html
    assert ShipStationShipment.objects.get().tracking_number in html
    assert CREATE_KIND in html and PUSH_TRACKING_KIND in html
    flagged = Order.objects.get(marketplace_order_id="112-0000000-0000009")
    assert "no lines" in admin_client.get(f"/admin/marketplaces/order/{flagged.pk}/change/").content.decode()


def test_credentials_are_masked_and_write_only(admin_client, shipped):
    account = MarketplaceAccount.objects.get()
    html = admin_client.get(f"/admin/marketplaces/marketplaceaccount/{account.pk}/change/").content.decode()
    assert (
        account.credentials["client_secret"] not in html and account.credentials["refresh_token"] not in html
    )
    ss_account = ShipStationAccount.objects.get()
    html = admin_client.get(f"/admin/logistics/shipstationaccount/{ss_account.pk}/change/").content.decode()
    assert ss_account.api_secret not in html and ss_account.webhook_secret not in html


def test_send_again_and_push_tracking_again_actions(admin_client, shipped):
    ss, amz, *_ = shipped
    order = Order.objects.filter(shipstation_shipments__isnull=False).get()
    other = Order.objects.filter(state=Order.State.SENT).first()
    admin_client.post(
        "/admin/marketplaces/order/",
        {"action": "send_to_shipstation_again", "_selected_action": [other.pk]},
    )
    admin_client.post(
        "/admin/marketplaces/order/",
        {"action": "push_tracking_again_for_orders", "_selected_action": [order.pk]},
    )
    assert OutboundJob.objects.filter(
        kind=CREATE_KIND, dedupe_key__startswith=f"order:{other.pk}:again:"
    ).exists()
    assert OutboundJob.objects.filter(kind=PUSH_TRACKING_KIND, dedupe_key__contains=":again:").exists()


def test_order_page_button_sends_to_shipstation_again_after_confirmation(admin_client, shipped):
    order = Order.objects.filter(state=Order.State.SENT).first()
    page = f"/admin/marketplaces/order/{order.pk}/change/"
    action = f"/admin/marketplaces/order/{order.pk}/do/send-to-shipstation/"
    assert f'href="{action}"' in admin_client.get(page).content.decode()
    confirm = admin_client.get(action)
    assert b"will be sent to ShipStation again" in confirm.content
    assert not OutboundJob.objects.filter(dedupe_key__startswith=f"order:{order.pk}:again:").exists()
    assert admin_client.post(action)["Location"] == page
    assert OutboundJob.objects.filter(
        kind=CREATE_KIND, dedupe_key__startswith=f"order:{order.pk}:again:"
    ).exists()
    shipped_order = Order.objects.filter(shipstation_shipments__isnull=False).get()
    assert (
        "/do/send-to-shipstation/"
        not in admin_client.get(f"/admin/marketplaces/order/{shipped_order.pk}/change/").content.decode()
    )  # a shipped order is not sent again


def test_shipstation_order_and_shipment_pages_carry_their_buttons(admin_client, shipped):
    from logistics.models import ShipStationOrder

    row = ShipStationOrder.objects.filter(order__state=Order.State.SENT).first()
    base = "/admin/logistics/shipstationorder/"
    assert (
        f"{base}{row.pk}/do/send-to-shipstation/"
        in admin_client.get(f"{base}{row.pk}/change/").content.decode()
    )
    admin_client.post(f"{base}{row.pk}/do/send-to-shipstation/")
    assert OutboundJob.objects.filter(dedupe_key__startswith=f"order:{row.order_id}:again:").exists()

    shipment = ShipStationShipment.objects.get()
    base = "/admin/logistics/shipstationshipment/"
    action = f"{base}{shipment.pk}/do/push-tracking/"
    assert action in admin_client.get(f"{base}{shipment.pk}/change/").content.decode()
    assert b"will be pushed to the marketplace" in admin_client.get(action).content
    before = OutboundJob.objects.filter(kind=PUSH_TRACKING_KIND).count()
    admin_client.post(action)
    assert OutboundJob.objects.filter(kind=PUSH_TRACKING_KIND).count() == before + 1
