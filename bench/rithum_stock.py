"""Benchmark: Zoho stock published to a Rithum account through the Rithum simulator (real HTTP on 127.0.0.1).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/is_rithum_bench .venv/bin/python bench/rithum_stock.py
        [--skus 25000] [--rejected 0.01]

A full Zoho resync allocates every SKU to the Rithum account, the push jobs send ``/inventory/batch/small``
calls (the connector's batch limit per call), the "stock.confirm" jobs read each request's outcome from
``/inventory/log``, and the SKUs the simulator rejects are recorded one by one. Prints the calls per 1,000
changed SKUs, the largest request body against Rithum's 5 MB, the rejections recorded, and the calls of a
second resync with nothing changed (expected: none).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._setup import bench_database, command_line  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=25_000)
    parser.add_argument("--rejected", type=float, default=0.01, help="share of SKUs the retailer rejects")
    args = parser.parse_args()

    with bench_database():
        from django.utils import timezone

        from integration_server.outbox.runner import run_due_jobs
        from integration_server.simulators import serve_in_thread
        from inventory.models import AccountStockPolicy, PublishedQuantity, StockPolicy, ZohoConnection
        from inventory.services.publishing import CONFIRM_STOCK, PUSH_STOCK
        from inventory.services.zoho_sync import sync_items
        from inventory.simulators.zoho import ZohoSimulator
        from marketplaces.connectors.rithum import RithumConnector
        from marketplaces.models import MarketplaceAccount
        from marketplaces.simulators.rithum import RithumSimulator

        zoho = ZohoSimulator(rate_limit=10**9)
        zoho.add_items(args.skus, stock=lambda i: 5 + (i * 7) % 60)
        rithum = RithumSimulator(per_second=10**6, per_minute=10**6)
        every = max(int(1 / args.rejected), 1) if args.rejected > 0 else 0
        for i in range(0, args.skus, every or args.skus + 1):
            rithum.rejected_skus[f"SKU-{i:06d}"] = f"Item SKU-{i:06d} is not in the retailer's catalog"
        servers = [serve_in_thread(zoho), serve_in_thread(rithum)]

        ZohoConnection.objects.create(
            organization_id=zoho.organization_id,
            accounts_url=zoho.base_url,
            api_base_url=zoho.base_url + "/inventory/v1",
            client_id=zoho.client_id,
            client_secret=zoho.client_secret,
            refresh_token=zoho.refresh_token,
            webhook_secret="bench-zoho-secret",
        )
        account = MarketplaceAccount.objects.create(
            channel="rithum",
            name="Rithum bench",
            api_base_url=rithum.base_url,
            credentials={"client_id": rithum.client_id, "client_secret": rithum.client_secret},
        )
        AccountStockPolicy.objects.create(account=account, ratio="0.6")
        StockPolicy.current()

        started = time.monotonic()
        sync_items(full=True)
        run_due_jobs(PUSH_STOCK)
        pushed_s = time.monotonic() - started
        batches = rithum.calls("POST", "/inventory/batch/small")
        changed = sum(len(c.json()) for c in batches)
        largest = max((len(c.body) for c in batches), default=0)

        confirm_started = time.monotonic()
        confirmed = run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130))
        confirm_s = time.monotonic() - confirm_started
        rejected = PublishedQuantity.objects.filter(account=account, last_result="rejected")
        rejected_count, with_reason = rejected.count(), rejected.exclude(last_reason="").count()

        # the rejected items are fixed on Rithum's side; then a resync with nothing changed
        rithum.rejected_skus.clear()
        sync_items(full=True)
        run_due_jobs(PUSH_STOCK)
        run_due_jobs(CONFIRM_STOCK, now=timezone.now() + timedelta(seconds=130))
        retry_calls = len(rithum.calls("POST", "/inventory/batch/small")) - len(batches)
        before = len(rithum.calls("POST", "/inventory/batch/small"))
        sync_items(full=True)
        run_due_jobs(PUSH_STOCK)
        again = len(rithum.calls("POST", "/inventory/batch/small")) - before
        for server in servers:
            server.shutdown()

    limit = RithumConnector.max_quantity_batch
    print(f"command: DATABASE_URL=... {command_line()}")
    print(f"SKUs changed and pushed:          {changed:,} (batch limit {limit:,} SKUs per call)")
    print(
        f"/inventory/batch/small calls:      {len(batches)} (floor ceil(changed / limit) = "
        f"{math.ceil(changed / limit) if changed else 0})"
    )
    print(f"calls per 1,000 changed SKUs:      {len(batches) / max(changed, 1) * 1000:.2f}")
    print(f"largest request body:              {largest / 1024 / 1024:.2f} MB of Rithum's 5 MB")
    print(f"resync + push time:                {pushed_s:.1f} s")
    print(
        f"confirm jobs (inventory log):      {confirmed} in {confirm_s:.1f} s, "
        f"{len(rithum.calls('GET', '/inventory/log'))} log calls"
    )
    print(
        f"rejected SKUs recorded:            {rejected_count}, {with_reason} with Rithum's reason "
        f"(simulator rejected {every and math.ceil(args.skus / every)})"
    )
    print(f"calls to re-send the fixed SKUs:   {retry_calls}")
    print(f"calls of a resync, nothing changed: {again}")


if __name__ == "__main__":
    main()
