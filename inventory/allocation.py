"""The allocation formula of SPEC 3, pure and exact (integers and fractions, no floats, no Django).

    alloc_base     = max(0, available - safety_stock)
    publish_qty[m] = floor(alloc_base * ratio[m])                      per-SKU override wins over the account
    sum_m publish_qty[m] <= floor(alloc_base * max_oversell_pct / 100)
    publish_qty[m] >= min_publish_qty only if alloc_base > 0

Cap decision (SPEC 3): when the effective ratios of a SKU add up to more than the cap, each is scaled by
cap / sum before flooring, so the cap holds and the split keeps its proportions.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class AllocationPolicy:
    safety_stock: int = 1
    max_oversell_pct: int = 150
    min_publish_qty: int = 0


@dataclass
class Allocation:
    available: int
    base: int
    ratios: dict[Hashable, Fraction]
    ratio_sum: Fraction
    cap: Fraction
    scale: Fraction
    cap_total: int
    floored: dict[Hashable, int]
    quantities: dict[Hashable, int]
    min_publish_raised: list[Hashable] = field(default_factory=list)


def to_fraction(value: Decimal | int | str | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(Decimal(str(value)))


def effective_ratios(
    account_ratios: Mapping[Hashable, Decimal], overrides: Mapping[Hashable, Decimal] | None = None
) -> dict[Hashable, Decimal]:
    """Per account: the SKU's override if there is one, else the account's ratio."""
    overrides = overrides or {}
    return {key: overrides.get(key, ratio) for key, ratio in account_ratios.items()}


def allocate(
    available: int, ratios: Mapping[Hashable, Decimal | Fraction], policy: AllocationPolicy
) -> Allocation:
    """The quantities to publish per key (account) for one SKU."""
    if isinstance(available, bool) or not isinstance(available, int):
        raise TypeError("available must be an int")
    base = max(0, available - policy.safety_stock)
    exact = {key: to_fraction(r) for key, r in ratios.items()}
    if any(r < 0 for r in exact.values()):
        raise ValueError("ratios cannot be negative")
    ratio_sum = sum(exact.values(), Fraction(0))
    cap = Fraction(policy.max_oversell_pct, 100)
    scale = cap / ratio_sum if ratio_sum > cap else Fraction(1)
    cap_total = math.floor(base * cap)
    floored = {key: math.floor(base * r * scale) for key, r in exact.items()}
    quantities = dict(floored)
    raised: list[Hashable] = []
    if base > 0 and policy.min_publish_qty > 0:
        for key in sorted(quantities, key=repr):
            if exact[key] > 0 and quantities[key] < policy.min_publish_qty:
                quantities[key] = policy.min_publish_qty
                raised.append(key)
        # the floor never breaks the cap: take units back from the raised ones, in a fixed order
        excess = sum(quantities.values()) - cap_total
        while excess > 0 and raised:
            for key in raised:
                if excess <= 0:
                    break
                if quantities[key] > floored[key]:
                    quantities[key] -= 1
                    excess -= 1
            if all(quantities[k] <= floored[k] for k in raised):
                break
    return Allocation(
        available=available,
        base=base,
        ratios=exact,
        ratio_sum=ratio_sum,
        cap=cap,
        scale=scale,
        cap_total=cap_total,
        floored=floored,
        quantities=quantities,
        min_publish_raised=raised,
    )


def publish_quantities(
    available: int, ratios: Mapping[Hashable, Decimal | Fraction], policy: AllocationPolicy
) -> dict[Hashable, int]:
    return allocate(available, ratios, policy).quantities


class Allocator:
    """``publish_quantities`` for many SKUs sharing one set of ratios: the exact fractions (scaled by the
    cap) are reduced once to integer pairs, so each SKU costs a few integer divisions. Same results as
    ``allocate`` (a property test checks it)."""

    def __init__(self, ratios: Mapping[Hashable, Decimal | Fraction], policy: AllocationPolicy):
        self.policy = policy
        self.ratios = dict(ratios)
        exact = {key: to_fraction(r) for key, r in ratios.items()}
        if any(r < 0 for r in exact.values()):
            raise ValueError("ratios cannot be negative")
        total = sum(exact.values(), Fraction(0))
        cap = Fraction(policy.max_oversell_pct, 100)
        scale = cap / total if total > cap else Fraction(1)
        self._pairs = [(key, (r * scale).numerator, (r * scale).denominator) for key, r in exact.items()]
        self._simple = policy.min_publish_qty == 0

    def quantities(self, available: int) -> dict[Hashable, int]:
        if not self._simple:
            return allocate(available, self.ratios, self.policy).quantities
        base = available - self.policy.safety_stock
        if base <= 0:
            return {key: 0 for key, _, _ in self._pairs}
        return {key: base * num // den for key, num, den in self._pairs}
