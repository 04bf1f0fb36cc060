"""django-q2 entry points of the inventory app (thin: they call services)."""

from integration_server.schedules import records_schedule_run


def _zoho_configured() -> bool:
    from inventory.models import ZohoConnection

    return ZohoConnection.objects.filter(pk=1).exists()


@records_schedule_run("inventory.zoho_full_resync")
def zoho_full_resync():
    from inventory.services.zoho_sync import sync_items

    if not _zoho_configured():
        return "no Zoho connection configured"
    return sync_items(full=True).line()


@records_schedule_run("inventory.zoho_incremental_sync")
def zoho_incremental_sync():
    from inventory.services.zoho_sync import sync_items

    if not _zoho_configured():
        return "no Zoho connection configured"
    return sync_items(full=False).line()


@records_schedule_run("inventory.rebalance")
def rebalance_if_due():
    from inventory.services.rebalance import rebalance_if_due as run

    return run()


@records_schedule_run("inventory.republish")
def republish_all():
    from inventory.services.republish import publish_stock

    return publish_stock(force=True).line()
