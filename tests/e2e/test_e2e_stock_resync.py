"""Zoho -> inventory -> Amazon, over real HTTP: a full resync of 1,000 SKUs lands on two Amazon seller
accounts with exactly the SPEC 3 quantities, in one JSON_LISTINGS_FEED each; a repeat changes nothing; a
few changed SKUs go as patchListingsItem calls."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from inventory.models import PublishedQuantity, SkuRatioOverride
from marketplaces import conf as marketplaces_conf

from .conftest import DE_RATIO, US_RATIO, amazon_calls, listed, run_pushes

pytestmark = pytest.mark.django_db

N = 1000
SAFETY_STOCK, CAP = 1, Fraction(3, 2)  # SPEC 3 defaults
OVERRIDES = {("SKU-000003", "us"): Decimal("1.2"), ("SKU-000005", "de"): Decimal("0")}


def stock_of(i: int) -> int:
    return (i * 13) % 45  # 0..44: some at or under the safety stock


def expected_quantities(available: dict[str, int]) -> dict[str, dict[str, int]]:
    """SPEC 3, written out again: floor(max(0, available - safety) * ratio), the per-SKU override winning,
    every ratio of a SKU scaled by 1.5 / sum when its ratios add up to more than 1.5."""
    out: dict[str, dict[str, int]] = {"us": {}, "de": {}}
    for sku, qty in available.items():
        ratios = {
            "us": Fraction(OVERRIDES.get((sku, "us"), US_RATIO)),
            "de": Fraction(OVERRIDES.get((sku, "de"), DE_RATIO)),
        }
        total = sum(ratios.values())
        scale = CAP / total if total > CAP else 1
        base = max(0, qty - SAFETY_STOCK)
        for account, ratio in ratios.items():
            out[account][sku] = math.floor(base * ratio * scale)
    return out


def resync() -> str:
    out = StringIO()
    call_command("zoho_resync", stdout=out)
    return out.getvalue()


def test_stock_resync_through_amazon(stores):
    zoho, us_sim, de_sim = stores["zoho"], stores["amazon_us"], stores["amazon_de"]
    zoho.add_items(N, stock=stock_of)
    for (sku, account), ratio in OVERRIDES.items():
        SkuRatioOverride.objects.create(sku=sku, account=stores[account], ratio=ratio)
    available = {f"SKU-{i:06d}": stock_of(i) for i in range(N)}
    expected = expected_quantities(available)
    assert (expected["us"]["SKU-000003"], expected["de"]["SKU-000003"]) == (
        40,
        16,
    )  # base 38; 1.7 > 1.5: scaled by 1.5 / 1.7
    assert expected["de"]["SKU-000005"] == 0 and expected["us"]["SKU-000005"] == 11

    assert "1000 items read, 1000 changed" in resync()
    run_pushes()

    for account, sim in (("us", us_sim), ("de", de_sim)):
        assert listed(sim) == expected[account]  # every SKU, exactly the formula
        # 1,000 SKUs > AMAZON_PATCH_MAX_SKUS: one feed (document + createFeed), no patch
        assert amazon_calls(sim) == {"patch": 0, "feed_document": 1, "feed": 1}
    assert not PublishedQuantity.objects.exclude(published_quantity=F("target_quantity")).exists()
    assert PublishedQuantity.objects.filter(last_result="accepted").count() == 2 * N
    # the feed carries each account's product types (account default, per-SKU value)
    de_feed = json.loads(de_sim.documents[de_sim.feeds["50001"]["inputFeedDocumentId"]]["content"])
    types = {m["sku"]: m["productType"] for m in de_feed["messages"]}
    assert types["SKU-000002"] == "TOY" and types["SKU-000001"] == "HOME"
    assert {
        m["productType"]
        for m in json.loads(us_sim.documents[us_sim.feeds["50001"]["inputFeedDocumentId"]]["content"])[
            "messages"
        ]
    } == {"LUGGAGE"}

    # a second resync with nothing changed in Zoho makes no Amazon call at all
    before = (len(us_sim.requests), len(de_sim.requests))
    assert "0 changed" in resync()
    run_pushes()
    assert (len(us_sim.requests), len(de_sim.requests)) == before

    # a few SKUs change in Zoho: under the patch limit, so one patchListingsItem per SKU and account
    changed = [f"SKU-{i:06d}" for i in range(100, 108)]
    assert len(changed) <= marketplaces_conf.AMAZON_PATCH_MAX_SKUS
    for n, sku in enumerate(changed):
        zoho.set_stock(sku, 60 + n)
        available[sku] = 60 + n
    resync()
    run_pushes()
    expected = expected_quantities(available)
    for account, sim in (("us", us_sim), ("de", de_sim)):
        assert listed(sim) == expected[account]
        # 8 patches > the burst of 5: the 429s midway are waited out, no SKU's result is lost
        patched = [r.path.rsplit("/", 1)[1] for r in sim.calls("PATCH", "/listings/2021-08-01/items/")]
        assert set(patched) == set(changed)
        calls = amazon_calls(sim)
        assert (calls["feed_document"], calls["feed"]) == (1, 1)  # no new feed
    assert not PublishedQuantity.objects.filter(last_result="rejected").exists()
