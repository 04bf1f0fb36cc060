from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from integration_server.schedules import register_schedule
        from integration_server.simulators import register_simulator
        from inventory import conf
        from inventory.services import publishing, republish, shadow, zoho_sync  # noqa: F401 - declare job kinds
        from inventory.simulators.zoho import make_demo_simulator
        from marketplaces.services.acceptance import STOCK_FOR_ACCEPTANCE
        from marketplaces.services.account_events import ACCOUNTS_CHANGED
        from marketplaces.services.order_events import CANCELLED_ORDERS, EDITED_ORDERS, NEW_ORDERS

        ACCOUNTS_CHANGED.subscribe(republish.reallocate_for_account_changes)
        NEW_ORDERS.subscribe(shadow.decrement_for_new_orders)
        CANCELLED_ORDERS.subscribe(shadow.restore_for_cancelled_orders)
        EDITED_ORDERS.subscribe(shadow.adjust_for_edited_orders)
        STOCK_FOR_ACCEPTANCE.answer_with(shadow.available_for_acceptance)
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
