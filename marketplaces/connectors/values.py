"""Lenient readers of marketplace JSON values, shared by the connectors (a missing or odd value is None or 0,
never an exception in the middle of a page)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def aware_datetime(value) -> datetime | None:
    """An ISO 8601 timestamp; one without an offset is UTC."""
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def decimal_or_none(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def int_or_zero(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def iso_utc(value: datetime) -> str:
    """``2026-12-03T04:55:25Z``: the form the marketplace APIs take in query parameters."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
