"""ShipStation (V1 API) in the orders flow.

marketplace ingest --(order_events)--> outbound.queue_creates: ShipStationOrder (stable orderKey) + job
"shipstation.create_order" --(outbox, 100 per store)--> createorders.
SHIP_NOTIFY webhook (webhooks.py) / 15-minute poll --> shipments.record_shipments (once per ShipStation id)
--> job "orders.push_tracking" per package --> marketplace_tracking.push_tracking --> the marketplace connector.
A marketplace cancellation before shipment --> outbound.queue_cancels --> job "shipstation.cancel_order".
"""
