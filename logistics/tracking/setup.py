"""Registrations of the Shopify and tracking parts of logistics, called from LogisticsConfig.ready()."""

from __future__ import annotations


def register() -> None:
    from integration_server.outbox import register_job_kind
    from integration_server.raw_payloads import raw_payload_handler
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator
    from logistics.shopify.services import process_fulfillment_webhook
    from logistics.tracking import conf
    from logistics.tracking import track17 as _track17  # noqa: F401 - registers the 17TRACK provider
    from logistics.tracking.services import REGISTER_JOB, process_push_batch, register_batch_handler

    register_job_kind(
        "webhook.shopify",
        raw_payload_handler(process_fulfillment_webhook),
        max_retries=5,
        description="Shopify fulfillment: read the order, store shipments, split / pre-sale emails.",
    )
    register_job_kind(
        "webhook.17track",
        process_push_batch,
        max_retries=5,
        batch_size=25,  # applied together in one transaction; a body that does not parse fails alone
        description="17TRACK push: apply the status, exception / delivered emails.",
    )
    register_job_kind(
        REGISTER_JOB,
        register_batch_handler,
        max_retries=conf.TRACK17_REGISTER_MAX_RETRIES,
        batch_size=40,
        description="Register tracking numbers with the tracking provider (40 per call).",
    )
    from logistics.shopify import conf as shopify_conf

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

    register_simulator("shopify", _shopify_sim, 8104)
    register_simulator("track17", _track17_sim, 8105)
