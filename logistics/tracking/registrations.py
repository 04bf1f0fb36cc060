"""The Shopify and tracking schedules, simulators and provider; called from LogisticsConfig.ready()."""

from __future__ import annotations


def register_schedules_and_simulators() -> None:
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator
    from logistics.shopify import conf as shopify_conf
    from logistics.tracking import conf
    from logistics.tracking import track17 as _track17  # noqa: F401 - registers the 17TRACK provider

    register_schedule(
        "shopify-reconcile",
        "logistics.shopify.tasks.reconcile_shopify_task",
        minutes=shopify_conf.SHOPIFY_RECONCILE_INTERVAL_MINUTES,
    )
    register_schedule(
        "track17-poll",
        "logistics.tracking.tasks.poll_tracking_task",
        minutes=conf.TRACK17_POLL_INTERVAL_MINUTES,
    )

    def _shopify_sim():
        from logistics.simulators.shopify import ShopifySimulator

        return ShopifySimulator()

    def _track17_sim():
        from logistics.simulators.track17 import Track17Simulator

        return Track17Simulator()

    from integration_server.simulators.base import register_demo_story
    from logistics.simulators.demo_story import play

    register_demo_story(play)
    register_simulator("shopify", _shopify_sim, 8104)
    register_simulator("track17", _track17_sim, 8105)
