"""Passing long lists to PostgreSQL cheaply: one delimited text parameter split by ``string_to_array`` in
SQL, instead of psycopg quoting every element of an array in Python (measured: most of a resync's client
time). SKUs never contain the ASCII unit separator."""

from __future__ import annotations

SEP = "\x1f"
SPLIT = "string_to_array(%s, chr(31))"  # use as: unnest(SPLIT) / = ANY(SPLIT) / SPLIT::int[]
SPLIT_NULLS = "string_to_array(%s, chr(31), '')"  # '' elements become NULL


def joined(values) -> str:
    return SEP.join("" if v is None else str(v) for v in values)


def joined_times(values) -> str:
    return SEP.join("" if v is None else v.isoformat() for v in values)


FORCE_PORTABLE = False  # tests set it to run the ORM paths on PostgreSQL


def fast_sql() -> bool:
    """PostgreSQL gets the set-based statements; other databases (the SQLite first run) the ORM paths."""
    from django.db import connection

    return connection.vendor == "postgresql" and not FORCE_PORTABLE
