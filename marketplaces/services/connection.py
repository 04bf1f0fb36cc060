"""Checking an account's connection: the connector's harmless reads, reported row by row (never raises)."""

from __future__ import annotations

import logging

from marketplaces.connectors.base import ConnectionCheck, connector_for

log = logging.getLogger(__name__)


def check_account_connection(account) -> list[ConnectionCheck]:
    try:
        connector = connector_for(account)
    except LookupError as exc:
        return [ConnectionCheck("connector", False, str(exc))]
    try:
        checks = connector.check_connection()
    except NotImplementedError as exc:
        checks = [ConnectionCheck("connection check", False, str(exc))]
    except Exception as exc:  # noqa: BLE001 - shown to ops; typed errors carry no secret
        checks = [ConnectionCheck("connection check", False, f"{type(exc).__name__}: {exc}"[:500])]
    log.info(
        "marketplaces.connection_checked",
        extra={
            "account_id": account.pk,
            "ok": all(c.ok for c in checks),
            "failed": [c.name for c in checks if not c.ok],
        },
    )
    return checks
