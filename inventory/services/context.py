"""What allocation needs besides the stock figure: the policy numbers, the publishing accounts (a supported
channel, enabled, publishing on) and their ratios, per-SKU overrides, and each account's connector batch limit. Loaded once per run (2 queries)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from inventory.allocation import AllocationPolicy, Allocator, effective_ratios
from inventory.models import AccountStockPolicy, SkuRatioOverride, StockPolicy
from inventory.services.sql_lists import SPLIT, fast_sql, joined
from marketplaces.connectors.base import connector_class, connector_for

log = logging.getLogger(__name__)
OVERRIDES = SkuRatioOverride._meta.db_table
CALLS_PER_JOB = 50
SKUS_PER_JOB = 5000


def exclusion_reason(account, stock_policy=None) -> str:
    """Why an account takes no part in the allocation ('' = it does): its channel has no connector yet,
    the account is disabled, or its publishing is off. Such an account neither gets stock nor dilutes the
    cap of the others."""
    if connector_class(account.channel) is None:
        return f"not supported: the {account.get_channel_display()} channel has no connector yet"
    if not account.enabled:
        return "account disabled"
    if stock_policy is not None and not stock_policy.publish_enabled:
        return "publishing switched off for this account"
    return ""


@dataclass
class AllocationContext:
    policy: AllocationPolicy
    low_stock_threshold: int
    account_ratios: dict[int, Decimal]
    accounts: dict = field(default_factory=dict)  # account id -> MarketplaceAccount
    # accounts with a ratio that take no part (channel without a connector, account or publishing off):
    # account id -> (MarketplaceAccount, the reason in words). They never dilute the cap.
    excluded: dict = field(default_factory=dict)
    _batch: dict[int, int | None] = field(default_factory=dict)
    _allocators: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> AllocationContext:
        stock_policy = StockPolicy.current()
        rows, excluded = [], {}
        for row in AccountStockPolicy.objects.select_related("account"):
            reason = exclusion_reason(row.account, row)
            if reason:
                excluded[row.account_id] = (row.account, reason)
            else:
                rows.append(row)
        return cls(
            policy=AllocationPolicy(
                safety_stock=stock_policy.safety_stock,
                max_oversell_pct=stock_policy.max_oversell_pct,
                min_publish_qty=stock_policy.min_publish_qty,
            ),
            low_stock_threshold=stock_policy.low_stock_threshold,
            account_ratios={row.account_id: row.ratio for row in rows},
            accounts={row.account_id: row.account for row in rows},
            excluded=excluded,
        )

    def overrides_for(self, skus) -> dict[str, dict[int, Decimal]]:
        """Per SKU, the override ratios of publishing accounts (one query)."""
        found: dict[str, dict[int, Decimal]] = defaultdict(dict)
        if not self.account_ratios:
            return found
        if not fast_sql():
            for sku, account_id, ratio in SkuRatioOverride.objects.filter(
                sku__in=list(skus), account_id__in=list(self.account_ratios)
            ).values_list("sku", "account_id", "ratio"):
                found[sku][account_id] = ratio
            return found
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sku, account_id, ratio FROM {OVERRIDES} WHERE sku = ANY({SPLIT}) AND account_id = ANY(%s)",  # noqa: S608
                [joined(skus), list(self.account_ratios)],
            )
            for sku, account_id, ratio in cursor:
                found[sku][account_id] = ratio
        return found

    def allocator_for(self, overrides: dict[int, Decimal] | None) -> Allocator:
        """The allocator of the account ratios with these overrides (cached per distinct set)."""
        key = tuple(sorted(overrides.items())) if overrides else ()
        allocator = self._allocators.get(key)
        if allocator is None:
            allocator = Allocator(effective_ratios(self.account_ratios, overrides), self.policy)
            self._allocators[key] = allocator
        return allocator

    def job_capacity(self, account_id: int) -> int | None:
        """SKUs per push job: whole connector batches, up to ``CALLS_PER_JOB`` calls or about ``SKUS_PER_JOB``
        SKUs, so a resync writes few job rows and each job still fits its lease."""
        size = self.max_batch(account_id)
        if size is None:
            return None
        return size * max(1, min(CALLS_PER_JOB, SKUS_PER_JOB // size))

    def max_batch(self, account_id: int) -> int | None:
        """The connector's batch limit; None when the channel has no connector yet (nothing is pushed)."""
        if account_id not in self._batch:
            try:
                self._batch[account_id] = max(
                    int(connector_for(self.accounts[account_id]).max_quantity_batch), 1
                )
            except LookupError:
                log.warning("stock.no_connector", extra={"account_id": account_id})
                self._batch[account_id] = None
        return self._batch[account_id]
