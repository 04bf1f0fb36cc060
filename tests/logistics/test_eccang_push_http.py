"""Over real HTTP: the Eccang simulator pushes a signed order (the API's parameter shape; no official push
exists, the body is built from reference/eccang.md) into the running service on /webhook/yicang; the worker
path tracks the parcel and registers it with the 17TRACK simulator."""

from __future__ import annotations

import pytest

from logistics.models import EccangOrderStatus, TrackedShipment
from tests.plugins.eccang import eccang_time, minutes_ago
from tests.plugins.notifications import drain

pytestmark = pytest.mark.usefixtures("anymail_test_backend")


@pytest.mark.django_db(transaction=True)
def test_simulator_push_into_live_server(
    live_server, eccang_sim, eccang_account, after_sales_rule, tracking_account, track17_sim
):
    eccang_sim.put_order(
        "AS-LIVE-1",
        modify_date=eccang_time(minutes_ago(1)),
        status="S",
        shipping_method="AS-PARTS",
        shipper_hawbcode="YTLIVE00001",
        Consignee={"consignee_email": "li@example.com"},
    )
    url = f"{live_server.url}/webhook/yicang"
    assert eccang_sim.push(url, ["AS-LIVE-1"], secret="forged").status_code == 401
    response = eccang_sim.push(url, ["AS-LIVE-1"])
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    drain()
    assert EccangOrderStatus.objects.get().via == "push"
    shipment = TrackedShipment.objects.get()
    assert (shipment.tracking_number, shipment.registration) == ("YTLIVE00001", "registered")
    assert "YTLIVE00001" in track17_sim.tracked
