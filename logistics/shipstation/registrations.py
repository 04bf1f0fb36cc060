"""The ShipStation flow's schedule and simulator; called from LogisticsConfig.ready()."""


def register_schedules_and_simulators() -> None:
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator
    from logistics.shipstation.simulator import ShipStationSimulator

    register_schedule("shipstation-poll", "logistics.shipstation.tasks.poll_shipments", minutes=15)
    register_simulator("shipstation", ShipStationSimulator, 8101)
