"""Tracking business rules: registering numbers with the provider, applying what it reports (pushes and
polls alike), and choosing which numbers to poll."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from integration_server.crypto import lookup_hash
from integration_server.http.errors import PermanentError
from integration_server.models import OutboundJob, RawPayload
from integration_server.outbox import batch_job_kind, enqueue_jobs
from integration_server.raw_payloads import webhook_kind
from integration_server.safe_urls import http_url
from logistics.models import TrackedShipment, TrackingAccount, TrackingCarrierCode, TrackingUpdateLog
from logistics.tracking import conf, events
from logistics.tracking.models import normalise_carrier
from logistics.tracking.provider import TrackingRequest, TrackingUpdate, tracking_provider
from logistics.tracking.status_map import DELIVERED, FINAL_STATUSES

log = logging.getLogger(__name__)

REGISTER_JOB = "tracking.register"


# --- shipments from any source ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ShipmentInfo:
    """A package some source (Shopify here; Eccang after-sales orders next) wants tracked and emailed about."""

    tracking_number: str
    order_number: str
    recipient_email: str
    customer_name: str = ""
    carrier: str = ""
    carrier_code: str = ""
    tracking_url: str = ""
    items: tuple = ()  # ({sku, title, quantity}, ...)


def track_shipments(source: str, infos: list[ShipmentInfo]) -> list[TrackedShipment]:
    """Create (or refresh) one tracked shipment per number and register the new ones with the provider.
    Later statuses then reach the exception / delivered emails like Shopify's shipments."""
    infos = [i for i in infos if i.tracking_number]
    if not infos:
        return []
    with transaction.atomic():
        numbers = [i.tracking_number for i in infos]
        existing = set(
            TrackedShipment.objects.filter(tracking_number__in=numbers).values_list(
                "tracking_number", flat=True
            )
        )
        TrackedShipment.objects.bulk_create(
            [
                TrackedShipment(
                    tracking_number=i.tracking_number[:100],
                    source=source[:20],
                    order_number=i.order_number[:100],
                    recipient_email=i.recipient_email,
                    email_hash=lookup_hash(i.recipient_email) if i.recipient_email else "",
                    customer_name=i.customer_name,
                    carrier=i.carrier[:100],
                    carrier_code=i.carrier_code[:20],
                    tracking_url=http_url(i.tracking_url)[:1000],
                    items=[dict(item) for item in i.items],
                )
                for i in infos
                if i.tracking_number not in existing
            ],
            ignore_conflicts=True,
        )
        shipments = list(TrackedShipment.objects.filter(tracking_number__in=numbers).order_by("pk"))
        enqueue_registration([s for s in shipments if s.tracking_number not in existing])
    return shipments


# --- registration --------------------------------------------------------------------------------------
def carrier_codes_for(names) -> dict[str, str]:
    """Normalised carrier name -> the provider's carrier code, from the editable table (one query)."""
    names = {normalise_carrier(n) for n in names if n}
    if not names:
        return {}
    return dict(TrackingCarrierCode.objects.filter(carrier__in=names).values_list("carrier", "provider_code"))


def provider_carrier_codes(shipments: list[TrackedShipment]) -> dict[int, str]:
    """shipment pk -> the provider's carrier code to register it with: the code already known, else the
    carrier the source gave mapped through the editable table (admin: Tracking carrier codes); '' = let the
    provider detect it."""
    table = carrier_codes_for(s.carrier for s in shipments if not s.carrier_code)
    return {s.pk: s.carrier_code or table.get(normalise_carrier(s.carrier), "") for s in shipments}


def enqueue_registration(shipments: list[TrackedShipment]) -> None:
    """One outbox job per new number (deduplicated on the number); the runner batches them by 40."""
    pending = [s for s in shipments if s.registration == TrackedShipment.Registration.PENDING]
    codes = provider_carrier_codes(pending)
    enqueue_jobs(
        [
            OutboundJob(
                kind=REGISTER_JOB,
                group_key="17track",
                dedupe_key=f"register:{s.tracking_number}",
                payload={"tracking_number": s.tracking_number, "carrier": codes[s.pk], "tag": str(s.pk)},
            )
            for s in pending
        ]
    )


def register_numbers(requests: list[TrackingRequest], provider=None):
    """One provider call for up to 40 numbers; the shipments are marked registered or rejected (with the
    reason). Returns the provider's result."""
    provider = provider or tracking_provider()
    result = provider.register(requests)
    now = timezone.now()
    accepted = set(result.accepted)
    TrackedShipment.objects.filter(tracking_number__in=accepted).update(
        registration=TrackedShipment.Registration.REGISTERED, registered_at=now, registration_error=""
    )
    for number, reason in result.rejected.items():
        TrackedShipment.objects.filter(tracking_number=number).update(
            registration=TrackedShipment.Registration.REJECTED, registration_error=reason
        )
    return result


@batch_job_kind(REGISTER_JOB, retries=conf.TRACK17_REGISTER_MAX_RETRIES, batch=40)
def register_batch_handler(jobs: list[OutboundJob]) -> dict:
    """Register tracking numbers with the tracking provider. One provider call for up to 40 jobs. A per-number rejection
    finishes that job (reason kept on the shipment); an HTTP failure fails the batch and is retried."""
    requests = [
        TrackingRequest(
            number=j.payload["tracking_number"],
            carrier=j.payload.get("carrier") or "",
            tag=j.payload.get("tag") or "",
        )
        for j in jobs
    ]
    result = register_numbers(requests)
    accepted = set(result.accepted)
    outcomes = {}
    for job in jobs:
        number = job.payload["tracking_number"]
        if number in accepted:
            outcomes[job.pk] = {"registered": number}
        else:
            outcomes[job.pk] = {"rejected": number, "reason": result.rejected.get(number, "not in answer")}
    return outcomes


def shipments_pending_registration(older_than_minutes: int = 0, now=None):
    """Numbers not registered yet (their job failed, or has not run): ``track17_sync`` registers them."""
    now = now or timezone.now()
    return TrackedShipment.objects.filter(
        registration=TrackedShipment.Registration.PENDING,
        created_at__lte=now - timedelta(minutes=older_than_minutes),
    ).order_by("pk")


def register_pending(*, older_than_minutes: int = 0, limit: int | None = None, progress=None) -> dict:
    """Register pending numbers now, 40 per call, with their carrier code."""
    provider = tracking_provider()
    qs = shipments_pending_registration(older_than_minutes)
    shipments = list(qs[:limit] if limit else qs)
    codes = provider_carrier_codes(shipments)
    totals = {"registered": 0, "rejected": 0}
    for start in range(0, len(shipments), provider.max_batch):
        batch = shipments[start : start + provider.max_batch]
        result = register_numbers(
            [TrackingRequest(s.tracking_number, codes[s.pk], str(s.pk)) for s in batch], provider
        )
        totals["registered"] += len(result.accepted)
        totals["rejected"] += len(result.rejected)
        if progress:
            progress(start + len(batch), len(shipments))
    return totals


# --- applying updates -------------------------------------------------------------------------------------
def apply_tracking_updates(updates: list[TrackingUpdate], *, via: str = "push", now=None) -> dict:
    """Apply provider reports to their shipments, in one transaction with the emails they cause.

    The rows of the numbers are locked (``SELECT ... FOR UPDATE``, in primary-key order) for the whole
    transaction, so two workers holding pushes of one number apply them one after the other. What happens to
    each update is decided by ``apply_one_update`` from the history it carries. Unknown numbers and unknown
    statuses are skipped.
    """
    now = now or timezone.now()
    counts = {"applied": 0, "stale": 0, "after_delivery": 0, "unknown_number": 0, "unknown_status": 0}
    numbers = {u.number for u in updates if u.number}
    if not numbers:
        return counts
    with transaction.atomic():
        shipments = {
            s.tracking_number: s
            for s in TrackedShipment.objects.select_for_update(of=("self",))
            .filter(tracking_number__in=numbers)
            .select_related("shop", "shopify_order")
            .order_by("pk")
        }
        changes, logs, touched = [], [], {}
        for update in sorted(updates, key=lambda u: (u.event_at is None, u.event_at or now)):
            shipment = shipments.get(update.number)
            if shipment is None:
                counts["unknown_number"] += 1
                log.info("tracking.unknown_number", extra={"via": via})
                continue
            if via == "push":
                shipment.last_push_at = now
            else:
                shipment.last_polled_at = now
            touched[shipment.pk] = shipment
            if update.status is None and update.delivered_at is None:
                counts["unknown_status"] += 1
                continue
            outcome, change = apply_one_update(shipment, update, via=via, now=now)
            counts[outcome] += 1
            logs.append(
                TrackingUpdateLog(
                    shipment=shipment,
                    status=update.status or DELIVERED,
                    provider_status=update.provider_status[:60],
                    provider_sub_status=update.provider_sub_status[:60],
                    event_at=update.event_at,
                    description=update.description[:500],
                    via=via,
                    stale=outcome != "applied",
                    received_at=now,
                )
            )
            if change is not None:
                changes.append(change)
        fields = [
            "status",
            "provider_status",
            "provider_sub_status",
            "status_description",
            "last_event_at",
            "delivered_at",
            "carrier_code",
            "last_push_at",
            "last_polled_at",
            "updated_at",
        ]
        update_rows(TrackedShipment, list(touched.values()), fields, now=now)
        TrackingUpdateLog.objects.bulk_create(logs, ignore_conflicts=True)
        events.TRACKING_STATUS_CHANGED.send(changes)
    return counts


def apply_one_update(shipment, update: TrackingUpdate, *, via: str, now):
    """Apply one report to a locked shipment; returns (outcome, status change or None).

    - The history shows a delivery and the shipment is not delivered yet: it becomes delivered at that
      time, and the one ``delivery_confirm`` follows, whatever the order in which pushes were processed (a
      later exception push still lists the Delivered milestone).
    - The shipment is delivered: nothing later moves it back (it is not polled again, and an exception
      reported now only leaves a suppressed record: no email); the report is logged (``after_delivery``).
    - Otherwise an update older than the newest event applied is stale (pushes arrive out of order).
    """
    delivered_at = update.delivered_at
    if delivered_at is None and update.status == DELIVERED:
        delivered_at = update.event_at or now
    if shipment.delivered_at is not None:
        if update.status and update.status != DELIVERED:
            # Reported so the notification log shows the exception was seen and why no email went out.
            return "after_delivery", events.StatusChange(
                shipment=shipment,
                status=update.status,
                event_at=update.event_at,
                description=update.description,
                via=via,
                after_delivery=True,
            )
        return "after_delivery", None
    if delivered_at is not None:
        is_delivery = update.status == DELIVERED
        shipment.status = DELIVERED
        shipment.provider_status = (update.provider_status if is_delivery else "Delivered")[:60]
        shipment.provider_sub_status = (update.provider_sub_status if is_delivery else "")[:60]
        shipment.status_description = (update.description if is_delivery else "")[:500]
        shipment.delivered_at = delivered_at
        shipment.last_event_at = max(
            [t for t in (shipment.last_event_at, update.event_at, delivered_at) if t is not None]
        )
        if update.carrier_code and not shipment.carrier_code:
            shipment.carrier_code = update.carrier_code[:20]
        change = events.StatusChange(
            shipment=shipment,
            status=DELIVERED,
            event_at=delivered_at,
            description=shipment.status_description,
            via=via,
        )
        return "applied", change
    if shipment.last_event_at and update.event_at and update.event_at < shipment.last_event_at:
        return "stale", None
    shipment.status = update.status
    shipment.provider_status = update.provider_status[:60]
    shipment.provider_sub_status = update.provider_sub_status[:60]
    shipment.status_description = update.description[:500]
    shipment.last_event_at = update.event_at or shipment.last_event_at
    if update.carrier_code and not shipment.carrier_code:
        shipment.carrier_code = update.carrier_code[:20]
    change = events.StatusChange(
        shipment=shipment,
        status=update.status,
        event_at=update.event_at,
        description=update.description,
        via=via,
    )
    return "applied", change


def process_push(raw, payload) -> dict | str:
    """Apply one verified push (the single-payload path; the job uses ``process_push_batch``)."""
    provider = tracking_provider()
    updates = provider.parse_push(payload)
    if not updates:
        return "ignored"
    return apply_tracking_updates(updates, via="push")


@batch_job_kind(webhook_kind("17track"), retries=5, batch=25)
def process_push_batch(jobs: list[OutboundJob]) -> dict:
    """17TRACK push: apply the status, exception / delivered emails. The claimed pushes (up to the batch size) are applied in one
    transaction. A body that does not parse fails alone; a database failure fails the batch, which is
    retried (applying is idempotent: stale and repeated statuses change nothing)."""
    raws = {
        r.pk: r for r in RawPayload.objects.filter(pk__in=[j.payload.get("raw_payload_id") for j in jobs])
    }
    provider = tracking_provider()
    outcomes: dict[int, object] = {}
    updates, applied_raw, ignored_raw, applied_jobs = [], [], [], []
    for job in jobs:
        raw = raws.get(job.payload.get("raw_payload_id"))
        if raw is None:
            outcomes[job.pk] = PermanentError("raw payload not found (purged?)")
            continue
        if raw.state in (RawPayload.State.PROCESSED, RawPayload.State.IGNORED):
            outcomes[job.pk] = {"skipped": "already processed"}
            continue
        try:
            parsed = provider.parse_push(json.loads(raw.body))
        except (ValueError, TypeError, AttributeError) as exc:
            RawPayload.objects.filter(pk=raw.pk).update(
                state=RawPayload.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            outcomes[job.pk] = PermanentError(f"push does not parse: {type(exc).__name__}")
            continue
        if not parsed:
            ignored_raw.append(raw.pk)
            outcomes[job.pk] = {"result": "ignored"}
            continue
        updates.extend(parsed)
        applied_raw.append(raw.pk)
        applied_jobs.append(job.pk)
    now = timezone.now()
    if updates:
        try:
            counts = apply_tracking_updates(updates, via="push", now=now)
        except Exception as exc:
            RawPayload.objects.filter(pk__in=applied_raw).update(
                state=RawPayload.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            raise
        RawPayload.objects.filter(pk__in=applied_raw).update(
            state=RawPayload.State.PROCESSED, processed_at=now, error=""
        )
        for pk in applied_jobs:
            outcomes[pk] = {"batch": counts}
    if ignored_raw:
        RawPayload.objects.filter(pk__in=ignored_raw).update(state=RawPayload.State.IGNORED, processed_at=now)
    return outcomes


def update_rows(model, rows: list, fields: list[str], *, now=None) -> None:
    """Write ``fields`` of many rows in one statement. On PostgreSQL an ``UPDATE ... FROM (VALUES ...)``
    (bulk_update's CASE per field costs ~50 ms for 25 rows here); elsewhere bulk_update; one row: save()."""
    if not rows:
        return
    if "updated_at" in fields:
        for row in rows:
            row.updated_at = now or timezone.now()
    if len(rows) == 1:
        rows[0].save(update_fields=fields)
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, fields)
        return
    qn = connection.ops.quote_name
    pk = model._meta.pk
    columns = [model._meta.get_field(name) for name in fields]
    casts = [f"%s::{pk.db_type(connection)}"] + [f"%s::{c.db_type(connection)}" for c in columns]
    values = ", ".join(["(" + ", ".join(casts) + ")"] * len(rows))
    names = ", ".join(qn(c.column) for c in [pk, *columns])
    assignments = ", ".join(f"{qn(c.column)} = v.{qn(c.column)}" for c in columns)
    sql = (
        f"UPDATE {qn(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model, values bound
        f"FROM (VALUES {values}) AS v({names}) WHERE t.{qn(pk.column)} = v.{qn(pk.column)}"
    )
    params = []
    for row in rows:
        params.append(row.pk)
        params.extend(c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- polling fallback -----------------------------------------------------------------------------------
def shipments_due_for_poll(now=None, after_hours: int | None = None, limit: int | None = None):
    """Registered, unfinished shipments with no push (nor poll) for ``after_hours``."""
    now = now or timezone.now()
    if after_hours is None:
        account = TrackingAccount.objects.filter(enabled=True).first()
        after_hours = account.poll_after_hours if account else 12
    cutoff = now - timedelta(hours=after_hours)
    qs = (
        TrackedShipment.objects.filter(registration=TrackedShipment.Registration.REGISTERED)
        .exclude(status__in=FINAL_STATUSES)
        .exclude(last_push_at__gte=cutoff)
        .exclude(last_polled_at__gte=cutoff)
        .filter(registered_at__lte=cutoff)
        .order_by("pk")
    )
    return qs[:limit] if limit else qs


def poll_tracking(
    *,
    now=None,
    after_hours: int | None = None,
    numbers: list[str] | None = None,
    limit: int | None = None,
    progress=None,
):
    """Ask the provider for numbers without a recent push, 40 per call, and apply the answers; at most
    ``limit`` numbers (the next run takes the rest)."""
    provider = tracking_provider()
    if numbers:
        shipments = list(TrackedShipment.objects.filter(tracking_number__in=numbers).order_by("pk"))
    else:
        shipments = list(shipments_due_for_poll(now=now, after_hours=after_hours, limit=limit))
    totals = {
        "polled": 0,
        "applied": 0,
        "stale": 0,
        "after_delivery": 0,
        "unknown_number": 0,
        "unknown_status": 0,
    }
    for start in range(0, len(shipments), provider.max_batch):
        batch = shipments[start : start + provider.max_batch]
        updates = provider.fetch([TrackingRequest(s.tracking_number, s.carrier_code) for s in batch])
        answered = {u.number for u in updates}
        missing = [s.pk for s in batch if s.tracking_number not in answered]
        if missing:
            TrackedShipment.objects.filter(pk__in=missing).update(last_polled_at=now or timezone.now())
        counts = apply_tracking_updates(updates, via="poll", now=now)
        totals["polled"] += len(batch)
        for key, value in counts.items():
            totals[key] += value
        if progress:
            progress(totals["polled"], len(shipments))
    return totals
