"""The logistics migrations of the two first branches (0001_initial, 0001_tracking and their merge) are one
squashed migration: a database that applied the three old ones has nothing left to do, the apps that depended
on an old name resolve to the squashed one, and the models need no new migration."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db

SQUASHED = ("logistics", "0001_squashed_0002_merge_shipstation_tracking")
REPLACED = [
    ("logistics", "0001_initial"),
    ("logistics", "0001_tracking"),
    ("logistics", "0002_merge_shipstation_tracking"),
]


def test_the_squashed_migration_replaces_the_three_old_ones():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert loader.disk_migrations[SQUASHED].replaces == REPLACED
    assert not set(REPLACED) & set(loader.disk_migrations)
    assert SQUASHED in loader.graph.node_map[("logistics", "0003_eccang")].parents
    assert SQUASHED in loader.graph.node_map[("notifications", "0001_initial")].parents


def test_a_database_that_applied_the_old_migrations_has_nothing_to_migrate():
    recorder = MigrationRecorder(connection)
    recorder.migration_qs.filter(app=SQUASHED[0], name=SQUASHED[1]).delete()
    for app, name in REPLACED:
        recorder.record_applied(app, name)
    assert SQUASHED not in recorder.applied_migrations()

    executor = MigrationExecutor(connection)
    assert SQUASHED in executor.loader.applied_migrations
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_the_models_need_no_new_migration():
    out = StringIO()
    call_command("makemigrations", "logistics", "notifications", check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()
