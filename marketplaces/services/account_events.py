"""What lower apps do when ops change a marketplace account in the admin (inventory reallocates stock when
an account is switched on or off), registered in their AppConfig.ready() — marketplaces imports none of them.
Called inside the admin's save transaction, so the change and its consequences are stored together."""

from __future__ import annotations

from collections.abc import Callable

# fn(account: MarketplaceAccount, changed_fields: set[str], created: bool) -> None
AccountChangedHandler = Callable[[object, set, bool], None]

_ON_CHANGED: list[tuple[str, AccountChangedHandler]] = []


def on_account_changed(name: str, fn: AccountChangedHandler) -> None:
    _ON_CHANGED[:] = [(n, f) for n, f in _ON_CHANGED if n != name] + [(name, fn)]


def account_changed(account, changed_fields, created: bool = False) -> None:
    for _name, fn in _ON_CHANGED:
        fn(account, set(changed_fields), created)
