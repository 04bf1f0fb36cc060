"""Shared set-up for benchmarks: Django on PostgreSQL (DATABASE_URL, default the local server) with a
throw-away test database."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_server.settings_test")
    import django

    django.setup()


@contextlib.contextmanager
def bench_database():
    """A fresh, migrated test_<name> database for the benchmark, dropped afterwards."""
    django_setup()
    from django.test.utils import setup_databases, teardown_databases

    config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)


def command_line() -> str:
    return " ".join(["python", *sys.argv])
