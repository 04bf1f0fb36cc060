"""The Shopify reconcile schedule and simulator; called from LogisticsConfig.ready()."""

from __future__ import annotations


def register_schedules_and_simulators() -> None:
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator
    from logistics.shopify import conf

    register_schedule(
        "shopify-reconcile",
        "logistics.shopify.tasks.reconcile_shopify_task",
        minutes=conf.SHOPIFY_RECONCILE_INTERVAL_MINUTES,
    )

    def _shopify_sim():
        from logistics.shopify.simulator import ShopifySimulator

        return ShopifySimulator()

    register_simulator("shopify", _shopify_sim, 8104)
