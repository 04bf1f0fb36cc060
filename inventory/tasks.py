"""django-q2 entry points of the inventory app (thin: they call services)."""

from integration_server.schedules import records_schedule_run


@records_schedule_run("inventory.zoho_full_resync")
def zoho_full_resync():
    from inventory.services.zoho_sync import sync_items

    return sync_items(full=True).line()


@records_schedule_run("inventory.zoho_incremental_sync")
def zoho_incremental_sync():
    from inventory.services.zoho_sync import sync_items

    return sync_items(full=False).line()


@records_schedule_run("inventory.rebalance")
def rebalance_if_due():
    from inventory.services.rebalance import rebalance_if_due as run

    return run()
