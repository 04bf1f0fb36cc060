"""Property tests of the pure allocation formula (SPEC 3)."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.allocation import AllocationPolicy, allocate, effective_ratios, publish_quantities

ratio = st.decimals(min_value=Decimal("0"), max_value=Decimal("1.5"), places=4)
ratios = st.dictionaries(st.integers(1, 8), ratio, min_size=1, max_size=6)
policies = st.builds(
    AllocationPolicy,
    safety_stock=st.integers(0, 20),
    max_oversell_pct=st.integers(0, 300),
    min_publish_qty=st.integers(0, 5),
)
stock = st.integers(-50, 100_000)


@given(stock, ratios, policies)
def test_quantities_are_non_negative_integers(available, rs, policy):
    for qty in publish_quantities(available, rs, policy).values():
        assert isinstance(qty, int) and qty >= 0


@given(stock, ratios, policies)
def test_total_never_exceeds_the_cap(available, rs, policy):
    base = max(0, available - policy.safety_stock)
    total = sum(publish_quantities(available, rs, policy).values())
    assert total <= math.floor(base * Fraction(policy.max_oversell_pct, 100))


@given(stock, ratios, st.integers(0, 20))
def test_floor_rounding_when_under_the_cap(available, rs, safety):
    policy = AllocationPolicy(safety_stock=safety, max_oversell_pct=1000, min_publish_qty=0)
    base = max(0, available - safety)
    result = publish_quantities(available, rs, policy)
    for key, r in rs.items():
        assert result[key] == math.floor(base * Fraction(r))


@given(stock, ratios, policies)
def test_scaled_ratios_keep_proportions_with_floor(available, rs, policy):
    alloc = allocate(available, rs, policy)
    cap = Fraction(policy.max_oversell_pct, 100)
    total = sum(Fraction(r) for r in rs.values())
    scale = cap / total if total > cap else 1
    for key, r in rs.items():
        assert alloc.floored[key] == math.floor(alloc.base * Fraction(r) * scale)


@given(st.integers(-50, 10_000), st.integers(0, 500), ratios, policies)
def test_monotonic_in_available(available, more, rs, policy):
    low = publish_quantities(available, rs, policy)
    high = publish_quantities(available + more, rs, policy)
    if policy.min_publish_qty == 0:
        assert all(high[k] >= low[k] for k in rs)
    assert sum(high.values()) >= sum(low.values()) or policy.min_publish_qty > 0


@given(ratios, st.dictionaries(st.integers(1, 8), ratio, max_size=6))
def test_override_wins_over_account_ratio(account_ratios, overrides):
    merged = effective_ratios(account_ratios, overrides)
    assert set(merged) == set(account_ratios)  # an override of a non-publishing account adds nothing
    for key in account_ratios:
        assert merged[key] == overrides.get(key, account_ratios[key])


@given(stock, policies)
def test_nothing_to_allocate_publishes_zero(available, policy):
    if available - policy.safety_stock <= 0:
        assert set(publish_quantities(available, {1: Decimal("1"), 2: Decimal("0.5")}, policy).values()) == {
            0
        }


def test_spec_examples():
    p = AllocationPolicy()  # safety 1, cap 150 %, no floor
    assert publish_quantities(11, {"a": Decimal("0.5"), "b": Decimal("0.5")}, p) == {"a": 5, "b": 5}
    # ratios 1 + 1 = 2 > 1.5: scaled by 0.75 -> 10 * 0.75 = 7.5 -> 7 each, total 14 <= 15
    assert publish_quantities(11, {"a": Decimal("1"), "b": Decimal("1")}, p) == {"a": 7, "b": 7}
    assert publish_quantities(1, {"a": Decimal("1")}, p) == {"a": 0}
    assert publish_quantities(0, {"a": Decimal("1")}, p) == {"a": 0}
    floor_policy = AllocationPolicy(safety_stock=1, max_oversell_pct=150, min_publish_qty=2)
    assert publish_quantities(3, {"a": Decimal("0.1"), "b": Decimal("0.1")}, floor_policy) == {"a": 1, "b": 2}


def test_rejects_floats_and_negative_ratios():
    with pytest.raises(TypeError):
        allocate(1.5, {"a": Decimal("1")}, AllocationPolicy())
    with pytest.raises(ValueError):
        allocate(5, {"a": Decimal("-0.1")}, AllocationPolicy())


@given(stock, ratios, policies)
def test_the_batch_allocator_agrees_with_the_reference(available, rs, policy):
    from inventory.allocation import Allocator

    assert Allocator(rs, policy).quantities(available) == publish_quantities(available, rs, policy)


# --- issue 16 point 3: accounts without a connector, or disabled, take no part ------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("why", ["no connector", "disabled"])
def test_an_account_without_connector_or_disabled_does_not_dilute_the_cap(recorders, why):
    from inventory.models import AccountStockPolicy, StockPolicy
    from inventory.services.context import AllocationContext
    from marketplaces.connectors import base as connector_base
    from marketplaces.models import MarketplaceAccount

    amazon = MarketplaceAccount.objects.create(channel="amazon", name="Amazon US")
    ebay = MarketplaceAccount.objects.create(channel="ebay", name="eBay", enabled=why != "disabled")
    if why == "no connector":
        connector_base.unregister_connector("ebay")
    AccountStockPolicy.objects.create(account=amazon, ratio=Decimal("1.2"))
    AccountStockPolicy.objects.create(account=ebay, ratio=Decimal("0.8"))
    StockPolicy.current()
    ctx = AllocationContext.load()
    assert ctx.allocator_for(None).quantities(11) == {amazon.pk: 12}  # base 10: 12 of 10 units, cap 15
    assert ebay.pk in ctx.excluded
