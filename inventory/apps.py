from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from integration_server.outbox import register_job_kind
        from integration_server.outbox.registry import single
        from integration_server.raw_payloads import raw_payload_handler
        from integration_server.schedules import register_schedule
        from integration_server.simulators import register_simulator
        from inventory import conf
        from inventory.services import publishing, republish, shadow, zoho_sync
        from inventory.simulators.zoho import make_demo_simulator
        from marketplaces.services.order_events import CANCELLED_ORDERS, EDITED_ORDERS, NEW_ORDERS

        register_job_kind(
            publishing.PUSH_STOCK,
            publishing.push_stock,
            max_retries=publishing.MAX_RETRIES,
            batch_size=20,
            lease_seconds=900,
            description="Publish stock quantities to one marketplace account (batched per account).",
        )
        register_job_kind(
            publishing.CONFIRM_STOCK,
            single(publishing.confirm_stock),
            max_retries=publishing.MAX_RETRIES,
            description="Read a marketplace's late verdict on pushed quantities (an Amazon feed's report).",
        )
        register_job_kind(
            republish.REALLOCATE_KIND,
            single(republish.reallocate_job),
            max_retries=publishing.MAX_RETRIES,
            lease_seconds=900,
            description="Reallocate the SKUs an ops change affects (ratio, override, policy, account) and "
            "queue their pushes.",
        )
        register_job_kind(
            "webhook.zoho",
            raw_payload_handler(zoho_sync.process_zoho_webhook),
            max_retries=3,
            description="Apply a Zoho item webhook: stock level, shadow reset, allocation, pushes.",
        )
        from marketplaces.services.account_events import ACCOUNTS_CHANGED

        ACCOUNTS_CHANGED.subscribe(republish.reallocate_for_account_changes)
        NEW_ORDERS.subscribe(shadow.decrement_for_new_orders)
        CANCELLED_ORDERS.subscribe(shadow.restore_for_cancelled_orders)
        EDITED_ORDERS.subscribe(shadow.adjust_for_edited_orders)
        from marketplaces.services.acceptance import register_stock_lookup

        register_stock_lookup(shadow.available_for_acceptance)
        register_schedule(
            "inventory.zoho_full_resync", "inventory.tasks.zoho_full_resync", cron=conf.ZOHO_RESYNC_CRON
        )
        if conf.ZOHO_INCREMENTAL_SYNC_MINUTES:
            register_schedule(
                "inventory.zoho_incremental_sync",
                "inventory.tasks.zoho_incremental_sync",
                minutes=conf.ZOHO_INCREMENTAL_SYNC_MINUTES,
            )
        register_schedule("inventory.rebalance", "inventory.tasks.rebalance_if_due", minutes=5)
        if conf.STOCK_REPUBLISH_CRON:
            register_schedule(
                "inventory.republish", "inventory.tasks.republish_all", cron=conf.STOCK_REPUBLISH_CRON
            )
        register_simulator("zoho", make_demo_simulator, 8103)
