"""Benchmark: Zoho stock published to two Mirakl operator accounts through one Mirakl simulator (real HTTP on
127.0.0.1).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/is_mirakl_bench .venv/bin/python bench/mirakl_stock.py
        [--skus 1000] [--rejected 3]

A full Zoho resync allocates every SKU to both accounts; each account's push sends one STO01 import (a
semicolon CSV of all its changed SKUs), the "stock.confirm" jobs read STO02's status and STO03's error report,
and the SKUs operator A rejects are recorded one by one. Prints the STO01 calls per 1,000 changed SKUs per
account, the file size, the rejections recorded, and the calls of a second resync with nothing changed
(expected: none). Never an OF24 / OF01 call.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._setup import bench_database, command_line  # noqa: E402

IMPORTS = "/api/offers/stock/imports"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=1000)
    parser.add_argument("--rejected", type=int, default=3, help="SKUs operator A rejects")
    args = parser.parse_args()

    with bench_database():
        from django.utils import timezone

        from integration_server.outbox.runner import run_due_jobs
        from integration_server.simulators import serve_in_thread
        from inventory.models import AccountStockPolicy, PublishedQuantity, StockPolicy, ZohoConnection
        from inventory.services.publishing import CONFIRM_STOCK, PUSH_STOCK
        from inventory.services.zoho_sync import sync_items
        from inventory.simulators.zoho import ZohoSimulator
        from marketplaces.models import MarketplaceAccount
        from marketplaces.simulators.mirakl import MiraklSimulator

        zoho = ZohoSimulator(rate_limit=10**9)
        zoho.add_items(args.skus, stock=lambda i: 5 + (i * 7) % 60)
        mirakl = MiraklSimulator({"operator-a": "bench-key-a", "operator-b": "bench-key-b"})
        step = max(args.skus // max(args.rejected, 1), 1)
        bad = {f"SKU-{i:06d}" for i in range(0, args.skus, step)} if args.rejected else set()
        bad = set(sorted(bad)[: args.rejected])
        mirakl.operators["operator-a"].rejected_skus = {s: f"The offer {s} does not exist" for s in bad}
        servers = [serve_in_thread(zoho), serve_in_thread(mirakl)]

        ZohoConnection.objects.create(
            organization_id=zoho.organization_id,
            accounts_url=zoho.base_url,
            api_base_url=zoho.base_url + "/inventory/v1",
            client_id=zoho.client_id,
            client_secret=zoho.client_secret,
            refresh_token=zoho.refresh_token,
            webhook_secret="bench-zoho-secret",
        )
        accounts = {}
        for operator, ratio in (("operator-a", "0.5"), ("operator-b", "0.4")):
            account = MarketplaceAccount.objects.create(
                channel="mirakl",
                name=f"Mirakl {operator}",
                api_base_url=mirakl.url(operator),
                credentials={"api_key": mirakl.operators[operator].api_key},
            )
            AccountStockPolicy.objects.create(account=account, ratio=ratio)
            accounts[operator] = account
        StockPolicy.current()

        started = time.monotonic()
        sync_items(full=True)
        run_due_jobs(PUSH_STOCK)
        pushed_s = time.monotonic() - started
        imports = {op: mirakl.calls("POST", f"/{op}{IMPORTS}") for op in accounts}
        changed = {op: sum(c.body.count(b'"update"') for c in calls) for op, calls in imports.items()}
        largest = max((len(c.body) for calls in imports.values() for c in calls), default=0)

        confirmed = run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130))
        rejected = PublishedQuantity.objects.filter(last_result="rejected")
        rejected_skus = sorted(rejected.values_list("sku", flat=True))

        # operator A adds the missing offers: the next resync sends those SKUs alone, then nothing changes
        mirakl.operators["operator-a"].rejected_skus.clear()
        mirakl.next_minute()
        before = len(mirakl.calls("POST"))
        sync_items(full=True)
        run_due_jobs(PUSH_STOCK)
        resent = [c.body.count(b'"update"') for c in mirakl.calls("POST")[before:]]
        run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130))
        mirakl.next_minute()
        before = len(mirakl.calls("POST"))
        sync_items(full=True)
        run_due_jobs(PUSH_STOCK)
        again = len(mirakl.calls("POST")) - before
        offer_calls = len(mirakl.calls(path_prefix="/operator-a/api/offers/imports")) + len(
            mirakl.calls(path_prefix="/operator-b/api/offers/imports")
        )
        for server in servers:
            server.shutdown()

    print(f"command: DATABASE_URL=... {command_line()}")
    for op, calls in imports.items():
        per_1000 = len(calls) / max(changed[op], 1) * 1000
        print(
            f"{op}: {changed[op]:,} changed SKUs -> {len(calls)} STO01 import(s), {per_1000:.2f} per 1,000 SKUs"
        )
    print(f"largest STO01 file:                 {largest / 1024:.1f} KB (multipart body)")
    print(f"resync + push time:                 {pushed_s:.1f} s")
    print(f"confirm jobs (STO02 + STO03):       {confirmed}")
    print(
        f"rejected SKUs recorded:             {len(rejected_skus)} {rejected_skus} (simulator rejected {sorted(bad)})"
    )
    print(f"re-sending the fixed SKUs:          {len(resent)} import(s) of {sum(resent)} SKU(s)")
    print(f"calls of a resync, nothing changed: {again}")
    print(f"OF24 / OF01 calls:                  {offer_calls}")


if __name__ == "__main__":
    main()
