"""Everything the ShipStation orders flow registers at start-up; called from LogisticsConfig.ready()."""


def register() -> None:
    from integration_server.outbox import register_job_kind
    from integration_server.outbox.registry import single
    from integration_server.raw_payloads import raw_payload_handler
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator
    from logistics.shipstation import outbound, shipments, tracking
    from logistics.simulators.shipstation import ShipStationSimulator

    register_job_kind(
        outbound.CREATE_KIND,
        outbound.create_orders_handler,
        max_retries=3,
        batch_size=100,
        description="Create / update marketplace orders in ShipStation (createorders, 100 per call).",
    )
    register_job_kind(
        outbound.CANCEL_KIND,
        outbound.cancel_orders_handler,
        max_retries=3,
        batch_size=100,
        description="Cancel in ShipStation orders the marketplace cancelled before shipment.",
    )
    register_job_kind(
        "webhook.shipstation",
        raw_payload_handler(shipments.process_ship_notify),
        max_retries=3,
        description="Fetch a SHIP_NOTIFY resource and record its shipments.",
    )
    register_job_kind(
        shipments.PUSH_TRACKING_KIND,
        single(tracking.push_tracking),
        max_retries=5,
        description="Confirm one package (carrier + tracking number) to the marketplace.",
    )
    register_schedule("shipstation-poll", "logistics.shipstation.tasks.poll_shipments", minutes=15)
    register_simulator("shipstation", ShipStationSimulator, 8101)
