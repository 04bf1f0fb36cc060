"""Named events one app announces and the apps below it react to, explicitly.

DESIGN lets an app import only the apps above it, so when something lower must react to something higher
(an order arrived -> decrement shadow stock, create in ShipStation), the higher app declares a hook (``declare_hook``) and
announces it with ``send(items)``; each lower app calls ``hook.subscribe(fn)`` in its ``AppConfig.ready()``.
Subscribers run in subscription order (the order of INSTALLED_APPS), synchronously, inside the announcer's
transaction, with the whole batch: a fact and its consequences commit together or not at all.
``tests/integration_server/test_hooks.py`` pins every subscriber of every hook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from integration_server.restorable import restorable

Subscriber = Callable[[list], None]

_HOOKS: dict[str, Hook] = {}


class Hook:
    """One named event; ``send`` calls every subscriber with the batch (nothing when the batch is empty)."""

    def __init__(self, name: str, description: str = ""):
        self.name = name
        self.description = description
        self._subscribers: dict[str, Subscriber] = restorable({})

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {', '.join(self.subscriber_names()) or 'no subscribers'}>"

    def subscribe(self, fn: Subscriber) -> Subscriber:
        """Add ``fn`` (again: no duplicate; it is known by its dotted name). Returns ``fn``."""
        self._subscribers[subscriber_name(fn)] = fn
        return fn

    def subscriber_names(self) -> list[str]:
        return list(self._subscribers)

    def send(self, items: list) -> None:
        if items:
            for fn in list(self._subscribers.values()):
                fn(items)

    @contextmanager
    def subscribed(self, fn: Subscriber) -> Iterator[Subscriber]:
        """``fn`` subscribed for the block only (tests); the subscribers are as before afterwards."""
        saved = dict(self._subscribers)
        self.subscribe(fn)
        try:
            yield fn
        finally:
            self._subscribers.clear()
            self._subscribers.update(saved)


def declare_hook(name: str, description: str = "") -> Hook:
    """The hook an app announces, known by ``name`` to ``all_hooks()``; declared once, at import."""
    if name in _HOOKS:
        raise ValueError(f"hook {name!r} is declared twice")
    _HOOKS[name] = Hook(name, description)
    return _HOOKS[name]


def subscriber_name(fn: Subscriber) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def all_hooks() -> dict[str, Hook]:
    """Every declared hook by name (the pinning test and the README read it)."""
    return dict(sorted(_HOOKS.items()))
