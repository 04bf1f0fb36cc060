"""factory-boy factories for logistics accounts and shipments."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from integration_server.crypto import lookup_hash
from logistics.models import ShipStationAccount, TrackedShipment


class ShipStationAccountFactory(DjangoModelFactory):
    """The ShipStation account; with ``sim``, on that simulator."""

    class Meta:
        model = ShipStationAccount

    class Params:
        sim = None

    api_base_url = factory.LazyAttribute(lambda o: o.sim.base_url if o.sim else "")
    api_key = "sim-ss-key"
    api_secret = "sim-ss-secret"
    webhook_secret = "test-webhook-secret-0123456789abcdefghijklmnop"


class TrackedShipmentFactory(DjangoModelFactory):
    """A parcel tracked for customer emails (a Shopify shipment unless told otherwise)."""

    class Meta:
        model = TrackedShipment

    tracking_number = factory.Sequence(lambda n: f"1ZTEST{n:04d}")
    carrier = "UPS"
    order_number = factory.Sequence(lambda n: f"#{1000 + n}")
    recipient_email = "jon@example.com"
    email_hash = factory.LazyAttribute(lambda o: lookup_hash(o.recipient_email) if o.recipient_email else "")
    customer_name = "Jon"
