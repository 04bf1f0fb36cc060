"""Start-up registries (job kinds, hooks, schedules, connectors ...) that a test may extend for its own
duration: each registry is created through ``restorable`` and ``registrations_restored`` puts every one back
as it was (the test plugin ``tests/plugins/registries.py`` wraps every test in it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

R = TypeVar("R", dict, list)
_REGISTRIES: list = []


def restorable(registry: R) -> R:
    """Mark a module-level dict or list, mutated in place only, as a registry."""
    _REGISTRIES.append(registry)
    return registry


@contextmanager
def registrations_restored() -> Iterator[None]:
    saved = [(registry, registry.copy()) for registry in _REGISTRIES]
    try:
        yield
    finally:
        for registry, copy in saved:
            if isinstance(registry, dict):
                registry.clear()
                registry.update(copy)
            else:
                registry[:] = copy
