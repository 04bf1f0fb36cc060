"""Zoho -> inventory -> Amazon, over real HTTP: a full resync of 1,000 SKUs lands on two Amazon seller
accounts with exactly the SPEC 3 quantities, in one JSON_LISTINGS_FEED each; a repeat changes nothing; a
few changed SKUs go as patchListingsItem calls."""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from integration_server.models import OutboundJob
from integration_server.outbox.runner import run_due_jobs
from inventory.models import PublishedQuantity, SkuRatioOverride
from inventory.services.publishing import CONFIRM_EVERY_SECONDS, CONFIRM_STOCK
from inventory.services.rebalance import rebalance_all
from inventory.services.zoho_sync import sync_items
from marketplaces import conf as marketplaces_conf

from .conftest import DE_RATIO, US_RATIO, amazon_calls, listed, run_pushes

pytestmark = pytest.mark.django_db

N = 1000
SAFETY_STOCK, CAP = 1, Fraction(3, 2)  # SPEC 3 defaults
OVERRIDES = {("SKU-000003", "us"): Decimal("1.2"), ("SKU-000005", "de"): Decimal("0")}


def stock_of(i: int) -> int:
    return (i * 13) % 45  # 0..44: some at or under the safety stock


def expected_quantities(available: dict[str, int], overrides=OVERRIDES) -> dict[str, dict[str, int]]:
    """SPEC 3, written out again: floor(max(0, available - safety) * ratio), the per-SKU override winning,
    every ratio of a SKU scaled by 1.5 / sum when its ratios add up to more than 1.5."""
    out: dict[str, dict[str, int]] = {"us": {}, "de": {}}
    for sku, qty in available.items():
        ratios = {
            "us": Fraction(overrides.get((sku, "us"), US_RATIO)),
            "de": Fraction(overrides.get((sku, "de"), DE_RATIO)),
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
        # and nothing else: LWA token, createFeedDocument, upload, createFeed, getFeed, report (2 calls)
        assert [(r.method, re.sub(r"/[0-9a-f-]{5,}$", "/{id}", r.path)) for r in sim.requests] == [
            ("POST", "/auth/o2/token"),
            ("POST", "/feeds/2021-06-30/documents"),
            ("PUT", "/sim-documents/{id}"),
            ("POST", "/feeds/2021-06-30/feeds"),
            ("GET", "/feeds/2021-06-30/feeds/{id}"),
            ("GET", "/feeds/2021-06-30/documents/{id}"),
            ("GET", "/sim-documents/{id}"),
        ]
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


def test_a_feed_amazon_processes_later_is_confirmed_and_its_rejections_undone(stores):
    """Real feeds take minutes: the push records the quantities as published (pending), a "stock.confirm"
    job reads the processing report later; a SKU Amazon rejected gets its old figure back and is pushed
    again by the next rebalance."""
    zoho, us_sim, de_sim = stores["zoho"], stores["amazon_us"], stores["amazon_de"]
    us_sim.feed_processing_seconds = 3600  # processing ends when the test says so
    us_sim.rejected_skus["SKU-000004"] = "'[batteries_required]' is required but not supplied."
    zoho.add_items(30, stock=stock_of)
    expected = expected_quantities({f"SKU-{i:06d}": stock_of(i) for i in range(30)}, overrides={})
    sync_items(full=True)
    run_pushes()

    assert listed(us_sim) == {} and listed(de_sim) == expected["de"]  # DE's feed was done at once
    us_rows = PublishedQuantity.objects.filter(account=stores["us"])
    assert not us_rows.exclude(published_quantity=F("target_quantity")).exists()  # no second push
    assert set(us_rows.values_list("last_reason", flat=True)) == {"feed 50001 submitted, not processed yet"}
    job = OutboundJob.objects.get(kind=CONFIRM_STOCK)
    assert job.payload["account_id"] == stores["us"].pk and job.next_attempt_at > timezone.now()

    later = timezone.now() + timedelta(seconds=CONFIRM_EVERY_SECONDS + 1)
    run_due_jobs(CONFIRM_STOCK, now=later)  # still in progress: asked again later, no retry spent
    job.refresh_from_db()
    assert (job.state, job.retries_used) == (OutboundJob.State.PENDING, 0)

    us_sim.finish_feeds(force=True)
    run_due_jobs(CONFIRM_STOCK, now=later + timedelta(minutes=10))
    job.refresh_from_db()
    assert job.state == OutboundJob.State.SUCCEEDED and job.result == {"confirmed": 29, "rejected": 1}
    bad = us_rows.get(sku="SKU-000004")
    assert (bad.published_quantity, bad.last_result) == (None, "rejected")
    assert "batteries_required" in bad.last_reason
    assert set(us_rows.exclude(sku="SKU-000004").values_list("last_reason", flat=True)) == {""}
    assert listed(us_sim) == {k: v for k, v in expected["us"].items() if k != "SKU-000004"}

    # fixed on Amazon's side: the next rebalance pushes that SKU alone again (one patch)
    del us_sim.rejected_skus["SKU-000004"]
    rebalance_all()
    run_pushes()
    assert listed(us_sim) == expected["us"]
    assert [r.path.rsplit("/", 1)[1] for r in us_sim.calls("PATCH")] == ["SKU-000004"]
