"""Registrations of the Eccang part of logistics, called from LogisticsConfig.ready()."""

from __future__ import annotations


def register() -> None:
    from integration_server.outbox import register_job_kind
    from integration_server.raw_payloads import raw_payload_handler
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator
    from logistics.eccang.services import process_push

    register_job_kind(
        "webhook.eccang",
        raw_payload_handler(process_push),
        max_retries=5,
        description="Eccang order push (/webhook/yicang): dedupe, after-sales rules, track shipped parcels.",
    )
    # every minute; each account's own interval (5-10 min, default 5) decides whether it is due
    register_schedule("eccang-poll", "logistics.eccang.tasks.poll_eccang_task", minutes=1)

    def _eccang_sim():
        from logistics.simulators.eccang import EccangSimulator, seed_demo_orders

        return seed_demo_orders(EccangSimulator())

    register_simulator("eccang", _eccang_sim, 8106)
