"""Retention of personal data outside raw payloads (issue 10 pt 13).

PERSONAL_DATA_RETENTION_DAYS (default 365) after an order ships, each app erases the buyer's and the
recipient's data from its rows (names, emails, addresses, carrier descriptions, rendered email data) and
keeps the keyed hashes and the business facts (ids, states, amounts, SKUs, dates). Apps register what
they hold; the kernel imports no app. Rows are marked ``personal_data_erased_at`` so each is erased once.
Run daily by the scheduler and by ``manage.py purge_personal_data [--dry-run]``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from integration_server.restorable import restorable

BATCH = 500


@dataclass(frozen=True)
class PersonalDataPurger:
    name: str
    candidates: Callable[[datetime], QuerySet]  # cutoff -> rows past retention, not erased yet
    erase: Callable[[list[int], datetime], None]  # primary keys, now -> erase them (and their children)


_PURGERS: dict[str, PersonalDataPurger] = restorable({})


def register_personal_data_purger(name: str, candidates, erase) -> None:
    _PURGERS[name] = PersonalDataPurger(name, candidates, erase)


def registered_purgers() -> list[PersonalDataPurger]:
    return [_PURGERS[name] for name in sorted(_PURGERS)]


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def purge_personal_data(
    *, now: datetime | None = None, dry_run: bool = False, batch: int = BATCH, progress=None
) -> dict[str, int]:
    """Erase what is past retention; returns rows per purger (those that would be erased on a dry run).
    ``progress(name, done, total)`` is called after each batch."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    counts: dict[str, int] = {}
    for purger in registered_purgers():
        pending = purger.candidates(cutoff)
        total = pending.count()
        counts[purger.name] = total
        if dry_run or not total:
            if progress:
                progress(purger.name, 0, total)
            continue
        done = 0
        while True:
            pks = list(purger.candidates(cutoff).order_by("pk").values_list("pk", flat=True)[:batch])
            if not pks:
                break
            with transaction.atomic():
                purger.erase(pks, now)
            done += len(pks)
            if progress:
                progress(purger.name, done, total)
        counts[purger.name] = done
    return counts
