"""Benchmark: full Zoho resync of 100,000 SKUs x 4 marketplace accounts, through allocation to push-job rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/is_stock_bench /work/venv/bin/python bench/stock_resync.py
        [--skus 100000] [--accounts 4] [--push] [--again]

The Zoho simulator runs in a child process (zero added latency, real HTTP on 127.0.0.1) so the figures are
this process's own. Prints wall time, peak memory (max RSS), SQL queries (total and per page of 200), and per
account the push calls against the floor ceil(changed / batch limit). ``--push`` also runs the push jobs
through recording connectors and counts the real update_quantities calls.
Targets (issue #3): <= 15 s, <= 400 MB, queries per page constant.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_server.settings_test")

# Batch limits of the reference pages: Amazon JSON_LISTINGS_FEED 25,000 messages; eBay bulkUpdatePriceQuantity
# 25 SKUs; Mirakl STO01 one file for every changed SKU (no stated maximum: 100,000 here); Rithum
# /inventory/batch/small <= 5 MB (about 10,000 small items: an assumption).
CHANNELS = [("amazon", 25_000), ("ebay", 25), ("mirakl", 100_000), ("rithum", 10_000)]


def serve_zoho(skus: int, conn) -> None:
    from integration_server.simulators import serve_in_thread
    from inventory.simulators.zoho import ZohoSimulator

    sim = ZohoSimulator(rate_limit=10**9)
    sim.add_items(skus, stock=lambda i: (i * 7) % 60)
    serve_in_thread(sim)
    conn.send((sim.base_url, sim.organization_id, sim.client_id, sim.client_secret, sim.refresh_token))
    conn.recv()  # until the parent is done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--push", action="store_true", help="also run the push jobs (recording connectors)")
    parser.add_argument("--again", action="store_true", help="then resync again with nothing changed")
    args = parser.parse_args()

    parent_end, child_end = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=serve_zoho, args=(args.skus, child_end), daemon=True
    )
    child.start()
    base_url, org, client_id, client_secret, refresh_token = parent_end.recv()

    import django

    django.setup()
    from django_q.conf import Conf

    Conf.SYNC = False  # like production: the after-commit poke queues a task (ORM broker), it does not run it
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from integration_server.models import OutboundJob
        from integration_server.outbox.runner import run_due_jobs
        from inventory.clients.zoho import ZohoClient
        from inventory.models import AccountStockPolicy, PublishedQuantity, ZohoConnection
        from inventory.services.publishing import PUSH_STOCK
        from inventory.services.zoho_sync import sync_items
        from marketplaces.connectors.base import MarketplaceConnector, QuantityResult, register_connector
        from marketplaces.models import MarketplaceAccount

        calls: dict[str, int] = {}

        def make_connector(channel: str, batch: int):
            class BenchConnector(MarketplaceConnector):
                max_quantity_batch = batch

                def iter_orders(self, updated_since):
                    return iter(())

                def confirm_shipment(self, confirmation):
                    return None

                def update_quantities(self, updates):
                    assert len(updates) <= self.max_quantity_batch
                    calls[self.account.name] = calls.get(self.account.name, 0) + 1
                    return [QuantityResult(sku=u.sku, accepted=True) for u in updates]

            BenchConnector.channel = channel
            return BenchConnector

        ratios = ["0.5", "0.3", "0.4", "0.3"]
        accounts = []
        for i in range(args.accounts):
            channel, batch = CHANNELS[i % len(CHANNELS)]
            register_connector(channel, make_connector(channel, batch))
            account = MarketplaceAccount.objects.create(channel=channel, name=f"{channel}-{i}")
            AccountStockPolicy.objects.create(account=account, ratio=Decimal(ratios[i % len(ratios)]))
            accounts.append((account, batch))
        ZohoConnection.objects.create(
            organization_id=org,
            accounts_url=base_url,
            api_base_url=base_url + "/inventory/v1",
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            webhook_secret="bench",
        )

        counter = {"n": 0}

        timing: dict[str, float] = {}

        def count_queries(execute, sql, params, many, context):
            counter["n"] += 1
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                key = " ".join(sql.split())[:70]
                timing[key] = timing.get(key, 0.0) + time.perf_counter() - t

        per_page: list[int] = []
        last = {"n": 0}

        def progress(summary):
            per_page.append(counter["n"] - last["n"])
            last["n"] = counter["n"]
            if len(per_page) % 50 == 0:
                print(f"\r  {summary.read:>7} items read, {summary.to_push:>7} to push", end="", flush=True)

        client = ZohoClient(ZohoConnection.objects.get())
        client.access_token()
        started = time.perf_counter()
        with connection.execute_wrapper(count_queries):
            summary = sync_items(full=True, client=client, progress=progress)
        wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print()

        print(f"command: DATABASE_URL=... {sys.executable} bench/stock_resync.py " + " ".join(sys.argv[1:]))
        print(f"resync: {summary.line()}")
        print(f"wall time           {wall:8.2f} s   (target <= 15 s)")
        print(f"peak memory (RSS)   {peak_mb:8.1f} MB  (target <= 400 MB)")
        steady = sorted(per_page[1:-1] or per_page)
        print(
            f"SQL queries         {counter['n']:8d}     pages {len(per_page)}, per page of 200: "
            f"median {steady[len(steady) // 2]}, min {steady[0]}, max {steady[-1]} (a page that also writes a "
            f"group of push jobs adds their INSERTs and worker pokes); first page {per_page[0]}, "
            f"last page with the final flush {per_page[-1]}"
        )
        if os.environ.get("BENCH_SQL_TIMES"):
            for key, spent in sorted(timing.items(), key=lambda kv: -kv[1])[:8]:
                print(f"    {spent:6.2f} s  {key}")
        print("push jobs and their API calls per account against the floor ceil(changed / batch limit):")
        for account, batch in accounts:
            sizes = [
                len(payload["skus"])
                for payload in OutboundJob.objects.filter(kind=PUSH_STOCK, group_key=f"account:{account.pk}")
                .values_list("payload", flat=True)
                .iterator()
            ]
            changed = sum(sizes)
            job_calls = sum(math.ceil(n / batch) for n in sizes)
            print(
                f"  {account.name:<10} batch {batch:>6}: {changed:>7} SKUs -> {len(sizes):>4} jobs, "
                f"{job_calls:>5} calls, floor {math.ceil(changed / batch)}"
            )

        if args.push:
            t0 = time.perf_counter()
            ran = run_due_jobs(PUSH_STOCK)
            push_wall = time.perf_counter() - t0
            print(f"push run: {ran} jobs in {push_wall:.1f} s; update_quantities calls per account:")
            for account, batch in accounts:
                changed = PublishedQuantity.objects.filter(
                    account=account, published_quantity__isnull=False
                ).count()
                print(
                    f"  {account.name:<10} {calls.get(account.name, 0):>5} calls for {changed} SKUs, "
                    f"floor {math.ceil(changed / batch)}"
                )
        if args.again:
            counter["n"] = 0
            t0 = time.perf_counter()
            with connection.execute_wrapper(count_queries):
                again = sync_items(full=True, client=client)
            print(
                f"second resync, nothing changed in Zoho (after any pushes): {time.perf_counter() - t0:.2f} s, "
                f"{counter['n']} queries: {again.line()}"
            )
    finally:
        teardown_databases(old_config, verbosity=0)
        parent_end.send("done")
        child.join(5)


if __name__ == "__main__":
    main()
