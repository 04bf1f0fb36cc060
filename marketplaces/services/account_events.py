"""What lower apps do when ops change a marketplace account in the admin (inventory reallocates stock when
an account is switched on or off): marketplaces announces the hook, they subscribe in AppConfig.ready().
Sent inside the admin's save transaction, so the change and its consequences are stored together."""

from __future__ import annotations

from dataclasses import dataclass, field

from integration_server.hooks import declare_hook


@dataclass
class AccountChange:
    account: object  # MarketplaceAccount, as saved
    changed_fields: set[str] = field(default_factory=set)
    created: bool = False


ACCOUNTS_CHANGED = declare_hook(
    "accounts.changed", "Marketplace accounts ops saved in the admin (list[AccountChange])."
)


def account_changed(account, changed_fields, created: bool = False) -> None:
    ACCOUNTS_CHANGED.send([AccountChange(account, set(changed_fields), created)])
