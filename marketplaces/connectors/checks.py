"""Helpers for ``MarketplaceConnector.check_connection``: each harmless read becomes one ConnectionCheck row,
a failure included (a check reports, it never raises)."""

from __future__ import annotations

from collections.abc import Callable

from marketplaces.connectors.base import ConnectionCheck


def run_check(name: str, fn: Callable[[], object]) -> ConnectionCheck:
    try:
        return ConnectionCheck(name, True, str(fn()))
    except Exception as exc:  # noqa: BLE001 - typed vendor errors carry no secret; shown to ops as they are
        return ConnectionCheck(name, False, f"{type(exc).__name__}: {exc}"[:500])
