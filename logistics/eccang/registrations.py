"""The Eccang poll schedule and simulator; called from LogisticsConfig.ready()."""

from __future__ import annotations


def register_schedules_and_simulators() -> None:
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator

    # every minute; each account's own interval (5-10 min, default 5) decides whether it is due
    register_schedule("eccang-poll", "logistics.eccang.tasks.poll_eccang_task", minutes=1)

    def _eccang_sim():
        from logistics.eccang.simulator import EccangSimulator, seed_demo_orders

        return seed_demo_orders(EccangSimulator())

    register_simulator("eccang", _eccang_sim, 8106)
