"""Tracking back to the marketplace: the outbox job "push tracking", one per package (5 retries, SPEC 4)."""

from __future__ import annotations

from django.utils import timezone

from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_jobs, job_kind
from integration_server.outbox.runner import retry_now
from logistics.models import CarrierCodeMapping, ShipStationShipment
from logistics.shipstation.carriers import map_carrier
from logistics.shipstation.shipments import PUSH_TRACKING_KIND, push_group
from marketplaces.connectors import ShipmentConfirmation, connector_for

TState = ShipStationShipment.TrackingState


def lines_of_package(order_lines, items: list[dict]) -> list[tuple[str, int]]:
    """(marketplace line id, quantity) of one package: by lineItemKey (= our line id), else by SKU; a package
    without items (a fulfillment) carries every line."""
    if not items:
        return [(line.line_id, line.quantity) for line in order_lines]
    by_id = {line.line_id: line for line in order_lines}
    by_sku = {line.sku: line for line in order_lines if line.sku}
    out: dict[str, int] = {}
    for item in items:
        line = by_id.get(item.get("lineItemKey") or "") or by_sku.get(item.get("sku") or "")
        if line is not None and item.get("quantity"):
            out[line.line_id] = min(out.get(line.line_id, 0) + int(item["quantity"]), line.quantity)
    return list(out.items())


def confirmation_for(shipment: ShipStationShipment) -> ShipmentConfirmation:
    order = shipment.order
    row = (
        CarrierCodeMapping.objects.filter(
            shipstation_carrier_code__iexact=shipment.carrier_code, channel=order.account.channel
        )
        .values_list("marketplace_carrier_code", "marketplace_carrier_name")
        .first()
    )
    code, name = map_carrier(order.account.channel, shipment.carrier_code, row)
    return ShipmentConfirmation(
        marketplace_order_id=order.marketplace_order_id,
        tracking_number=shipment.tracking_number,
        carrier_code=code,
        carrier_name=name,
        shipping_method=shipment.service_code,
        ship_date=shipment.ship_date,
        lines=lines_of_package(list(order.lines.all()), shipment.items),
        package_reference=str(shipment.external_id),
        sales_channel=order.sales_channel,
    )


@job_kind(PUSH_TRACKING_KIND, retries=5)
def push_tracking(job: OutboundJob) -> dict:
    """Confirm one package (carrier + tracking number) to the marketplace."""
    shipment = ShipStationShipment.objects.select_related("order__account").get(pk=job.payload["shipment_id"])
    if shipment.voided or shipment.order is None:
        ShipStationShipment.objects.filter(pk=shipment.pk).update(
            tracking_state=TState.VOIDED if shipment.voided else TState.UNMATCHED
        )
        return {"skipped": "voided" if shipment.voided else "no order"}
    confirmation = confirmation_for(shipment)
    try:
        connector_for(shipment.order.account).confirm_shipment(confirmation)
    except Exception as exc:
        ShipStationShipment.objects.filter(pk=shipment.pk).update(
            tracking_state=TState.FAILED, problem=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    ShipStationShipment.objects.filter(pk=shipment.pk).update(
        tracking_state=TState.PUSHED, tracking_pushed_at=timezone.now(), problem=""
    )
    return {
        "order": confirmation.marketplace_order_id,
        "tracking_number": confirmation.tracking_number,
        "carrier_code": confirmation.carrier_code,
        "lines": len(confirmation.lines),
    }


def push_again(shipment_ids: list[int]) -> int:
    """Admin: push these packages' tracking again (a failed job is retried; a done one is queued anew)."""
    shipments = list(
        ShipStationShipment.objects.filter(pk__in=shipment_ids, order__isnull=False, voided=False)
    )
    keys = {f"{s.order_id}:{s.tracking_number}": s for s in shipments}
    jobs = {
        j.dedupe_key: j
        for j in OutboundJob.objects.filter(kind=PUSH_TRACKING_KIND, dedupe_key__in=list(keys))
    }
    retried = retry_now(
        [j.pk for j in jobs.values() if j.state in (OutboundJob.State.FAILED, OutboundJob.State.CANCELLED)]
    )
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    fresh = [
        OutboundJob(
            kind=PUSH_TRACKING_KIND,
            payload={"shipment_id": s.pk},
            dedupe_key=f"{key}:again:{stamp}",
            group_key=push_group(s.order.account_id),
        )
        for key, s in keys.items()
        if key not in jobs or jobs[key].state == OutboundJob.State.SUCCEEDED
    ]
    ShipStationShipment.objects.filter(pk__in=[s.pk for s in shipments]).update(tracking_state=TState.PENDING)
    enqueue_jobs(fresh)
    return retried + len(fresh)
