"""Named events one app announces and the apps below it react to, and named questions one app asks and one
app below it answers, explicitly.

DESIGN lets an app import only the apps above it, so when something lower must react to something higher
(an order arrived -> decrement shadow stock, create in ShipStation), the higher app declares a hook (``declare_hook``) and
announces it with ``send(items)``; each lower app calls ``hook.subscribe(fn)`` in its ``AppConfig.ready()``.
Subscribers run in subscription order (the order of INSTALLED_APPS), synchronously, inside the announcer's
transaction, with the whole batch: a fact and its consequences commit together or not at all.

When the higher app needs an answer from a lower one (Mirakl acceptance needs the shadow stock), it declares a
query (``declare_query``) with the answer to use while nobody answers, and asks it with ``ask(...)``; exactly
one lower app calls ``query.answer_with(fn)`` in its ``AppConfig.ready()`` (a second answerer is an error).

``tests/integration_server/test_hooks.py`` pins every subscriber of every hook and the answerer of every query.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from integration_server.restorable import restorable

Subscriber = Callable[[list], None]

_HOOKS: dict[str, Hook] = {}
_QUERIES: dict[str, Query] = {}


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


class Query:
    """One named question; ``ask`` returns its answerer's answer, or a copy of ``default`` while none answers."""

    def __init__(self, name: str, description: str = "", default: Any = None):
        self.name = name
        self.description = description
        self.default = default
        self._answerer: list[Callable] = restorable([])

    def __repr__(self) -> str:
        return f"<Query {self.name}: {self.answerer_name() or 'no answerer'}>"

    def answer_with(self, fn: Callable) -> Callable:
        """Make ``fn`` the answerer (again: no change; it is known by its dotted name). Another function
        while one answers is an error. Returns ``fn``."""
        current = self.answerer_name()
        if current is not None and current != subscriber_name(fn):
            raise ValueError(
                f"query {self.name!r} is answered by {current} already, not {subscriber_name(fn)}"
            )
        self._answerer[:] = [fn]
        return fn

    def answerer_name(self) -> str | None:
        return subscriber_name(self._answerer[0]) if self._answerer else None

    def ask(self, *args, **kwargs) -> Any:
        if not self._answerer:
            return copy.deepcopy(self.default)
        return self._answerer[0](*args, **kwargs)

    @contextmanager
    def answered(self, fn: Callable | None) -> Iterator[Callable | None]:
        """``fn`` answers for the block only, instead of the answerer if any (None: nobody answers); tests."""
        saved = list(self._answerer)
        self._answerer[:] = [fn] if fn is not None else []
        try:
            yield fn
        finally:
            self._answerer[:] = saved


def _check_new_name(name: str) -> None:
    if name in _HOOKS or name in _QUERIES:
        kind = "hook" if name in _HOOKS else "query"
        raise ValueError(f"{kind} {name!r} is declared twice")


def declare_hook(name: str, description: str = "") -> Hook:
    """The hook an app announces, known by ``name`` to ``all_hooks()``; declared once, at import."""
    _check_new_name(name)
    _HOOKS[name] = Hook(name, description)
    return _HOOKS[name]


def declare_query(name: str, description: str = "", default: Any = None) -> Query:
    """The query an app asks, known by ``name`` to ``all_queries()``; declared once, at import. ``default``
    is the answer (copied each time) while no app answers."""
    _check_new_name(name)
    _QUERIES[name] = Query(name, description, default)
    return _QUERIES[name]


def subscriber_name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def all_hooks() -> dict[str, Hook]:
    """Every declared hook by name (the pinning test and the README read it)."""
    return dict(sorted(_HOOKS.items()))


def all_queries() -> dict[str, Query]:
    """Every declared query by name (the pinning test and the README read it)."""
    return dict(sorted(_QUERIES.items()))
