"""Benchmark: a Zoho resync of N changed SKUs published to two eBay accounts over real HTTP (the eBay and Zoho
simulators in threads): one with Inventory-API listings (bulkUpdatePriceQuantity, <= 25 SKUs a call), one
with Trading listings (ReviseInventoryStatus, <= 4 a call). Prints the calls each received against
ceil(changed / 25) and ceil(changed / 4), the wall time, and the calls made by a second resync (none).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integration_server .venv/bin/python bench/ebay_quantities.py [--skus 1000]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._setup import bench_database, command_line  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=1000)
    args = parser.parse_args()

    with bench_database():
        from decimal import Decimal
        from io import StringIO

        from django.core.cache import cache
        from django.core.management import call_command
        from django_q.conf import Conf

        from integration_server.outbox.runner import run_due_jobs
        from integration_server.simulators import serve_in_thread
        from inventory.models import AccountStockPolicy, PublishedQuantity, StockPolicy, ZohoConnection
        from inventory.services.publishing import PUSH_STOCK
        from inventory.simulators.zoho import ZohoSimulator
        from marketplaces.models import MarketplaceAccount
        from marketplaces.simulators.ebay import EbaySimulator

        Conf.SYNC = False  # like production: the resync writes push jobs; the push run below makes the calls
        cache.clear()
        zoho = ZohoSimulator(rate_limit=10**9)
        zoho.add_items(args.skus, stock=lambda i: 5 + (i * 7) % 60)
        servers = [serve_in_thread(zoho)]
        ZohoConnection.objects.create(
            organization_id=zoho.organization_id,
            accounts_url=zoho.base_url,
            api_base_url=zoho.base_url + "/inventory/v1",
            client_id=zoho.client_id,
            client_secret=zoho.client_secret,
            refresh_token=zoho.refresh_token,
            webhook_secret="bench",
        )
        StockPolicy.current()
        setups = []
        for model, ratio, batch in (("inventory_api", "0.6", 25), ("trading", "0.5", 4)):
            sim = EbaySimulator(listing_model=model, refresh_token=f"v^1.1#bench-{model}")
            servers.append(serve_in_thread(sim))
            account = MarketplaceAccount.objects.create(
                channel="ebay",
                name=f"eBay {model}",
                api_base_url=sim.base_url,
                auth_base_url=sim.base_url,
                credentials={
                    "client_id": sim.client_id,
                    "client_secret": sim.client_secret,
                    "refresh_token": next(iter(sim.refresh_tokens)),
                },
                options={"listing_model": model, "site_id": 0},
            )
            AccountStockPolicy.objects.create(account=account, ratio=Decimal(ratio))
            setups.append((model, batch, sim, account))

        def quantity_calls(sim, model) -> int:
            if model == "inventory_api":
                return len(sim.calls("POST", "/sell/inventory/v1/bulk_update_price_quantity"))
            return sum(
                1
                for r in sim.calls("POST", "/ws/api.dll")
                if r.headers.get("x-ebay-api-call-name") == "ReviseInventoryStatus"
            )

        try:
            t0 = time.perf_counter()
            call_command("zoho_resync", stdout=StringIO())
            resync_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            jobs = run_due_jobs(PUSH_STOCK)
            push_s = time.perf_counter() - t0
            print(f"command: DATABASE_URL=... {command_line()}")
            print(f"resync of {args.skus} SKUs: {resync_s:.2f} s; push: {jobs} job(s) in {push_s:.2f} s")
            before = {}
            for model, batch, sim, account in setups:
                changed = PublishedQuantity.objects.filter(account=account, last_result="accepted").count()
                calls = quantity_calls(sim, model)
                ok = "ok" if calls == math.ceil(changed / batch) else "MORE THAN THE FLOOR"
                print(
                    f"  eBay {model:<13} {changed:>6} changed SKUs -> {calls:>5} calls "
                    f"(ceil({changed} / {batch}) = {math.ceil(changed / batch)}: {ok}); listed {len(sim.quantities())}"
                )
                before[model] = len(sim.requests)
            call_command("zoho_resync", stdout=StringIO())
            run_due_jobs(PUSH_STOCK)
            for model, _, sim, _ in setups:
                print(
                    f"  second resync, nothing changed: eBay {model:<13} {len(sim.requests) - before[model]} call(s)"
                )
        finally:
            for server in servers:
                server.shutdown()


if __name__ == "__main__":
    main()
