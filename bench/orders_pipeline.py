"""Benchmark of the orders flow.

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/is_orders /work/venv/bin/python bench/orders_pipeline.py [--orders 5000]

Prints (1) orders per second from a pulled page to stored orders + lines + raw payloads + outbox rows
(ingest only, pages of 100), (1b) the same orders edited before shipment (lines, address, shadow stock,
update jobs), (2) the same through real HTTP against the Amazon simulator (pull_orders), and
(3) the ShipStation calls per 1,000 orders when the outbox sends them (the floor is 10: 100 per call).
Creates and drops its own test database (test_<name>)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DJANGO_SETTINGS_MODULE"] = "integration_server.settings_test"
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.test.utils import setup_databases, teardown_databases  # noqa: E402

logging.disable(logging.WARNING)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    args = parser.parse_args()
    n = args.orders

    from django.core.cache import cache

    from integration_server.outbox import enqueue
    from integration_server.outbox.runner import run_due_jobs
    from integration_server.simulators import serve_in_thread
    from logistics.models import ShipStationAccount, ShipStationOrder
    from logistics.shipstation.outbound import CREATE_KIND
    from logistics.shipstation.simulator import ShipStationSimulator
    from marketplaces.connectors.amazon import parse_order
    from marketplaces.models import MarketplaceAccount, Order
    from marketplaces.services.ingest import ingest_orders
    from marketplaces.services.pull import pull_orders
    from marketplaces.simulators.amazon import AmazonSimulator

    old_config = setup_databases(verbosity=0, interactive=False)
    ss_server = amz_server = None
    try:
        enqueue.dispatch = lambda *a, **k: None  # measure storing; the outbox is run explicitly below
        cache.clear()
        amz = AmazonSimulator(limits={"searchOrders": ("0.0056", 10**6, 60.0)})
        ss = ShipStationSimulator(per_minute=10**6)
        amz_server, ss_server = serve_in_thread(amz), serve_in_thread(ss)
        ShipStationAccount.objects.create(
            api_base_url=ss.base_url, api_key="sim-ss-key", api_secret="sim-ss-secret"
        )

        # (1) ingest only: parsed pages of 100 -> orders, lines, raw payloads, outbox rows
        local = MarketplaceAccount.objects.create(
            channel="amazon", name="bench-ingest", shipstation_store_id=310001
        )
        records = [
            amz.add_order(
                f"900-{i:07d}-0000000",
                items=[
                    {"sku": f"S{i % 50}", "quantity": 1, "price": "9.99"},
                    {"sku": "B", "quantity": 2, "price": "1.50"},
                ],
            )
            for i in range(n)
        ]
        pages = [[parse_order(r) for r in records[i : i + 100]] for i in range(0, n, 100)]
        amz.orders.clear()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        t0 = time.perf_counter()
        for page in pages:
            ingest_orders(local, page)
        ingest_s = time.perf_counter() - t0
        from integration_server.models import OutboundJob

        jobs = OutboundJob.objects.filter(kind=CREATE_KIND).count()
        with CaptureQueriesContext(connection) as queries:
            ingest_orders(local, [parse_order(amz.add_order(f"902-{i:07d}-0000000")) for i in range(100)])
        amz.orders.clear()

        # (1b) the same orders edited on the marketplace before shipment (a line's quantity, the address):
        # our copy, the shadow stock and an update job per order; pages of 100
        from dataclasses import replace
        from datetime import timedelta

        from django.utils import timezone

        later = timezone.now() - timedelta(minutes=3)
        edited_pages = [
            [
                replace(
                    p,
                    updated_at=later,
                    lines=[replace(p.lines[0], quantity=3), *p.lines[1:]],
                    buyer={**p.buyer, "ship_to": {**p.buyer["ship_to"], "street1": "1 Edited Road"}},
                )
                for p in page
            ]
            for page in pages
        ]
        t0 = time.perf_counter()
        edited = 0
        for page in edited_pages[:-1]:
            edited += ingest_orders(local, page).edited
        with CaptureQueriesContext(connection) as edit_queries:
            edited += ingest_orders(local, edited_pages[-1]).edited
        edit_s = time.perf_counter() - t0

        # (2) through HTTP: Amazon simulator -> pull_orders (LWA, paging, parsing, ingest)
        for i in range(n):
            amz.add_order(f"901-{i:07d}-0000000")
        remote = MarketplaceAccount.objects.create(
            channel="amazon",
            name="bench-pull",
            api_base_url=amz.base_url,
            auth_base_url=amz.base_url,
            credentials={
                "client_id": amz.client_id,
                "client_secret": amz.client_secret,
                "refresh_token": next(iter(amz.refresh_tokens)),
            },
            options={"marketplace_ids": ["ATVPDKIKX0DER"], "seller_id": amz.seller_id},
            shipstation_store_id=310002,
        )
        t0 = time.perf_counter()
        summary = pull_orders(remote)
        pull_s = time.perf_counter() - t0

        # (3) the outbox sends everything to the ShipStation simulator
        t0 = time.perf_counter()
        run_due_jobs(CREATE_KIND)
        send_s = time.perf_counter() - t0
        calls = len(ss.calls("POST", "/orders/createorders"))
        sent = ShipStationOrder.objects.filter(state=ShipStationOrder.State.CREATED).count()
        total = Order.objects.count()
    finally:
        for server in (ss_server, amz_server):
            if server:
                server.shutdown()
        teardown_databases(old_config, verbosity=0)

    print(f"command: DATABASE_URL=... {sys.executable} bench/orders_pipeline.py --orders {n}")
    print(f"SQL queries to ingest one page of 100 new orders: {len(queries)}")
    print(
        f"ingest (pages of 100 -> orders + lines + raw payloads + outbox rows): {n} orders in {ingest_s:.2f}s = {n / ingest_s:,.0f} orders/s ({jobs} outbox rows)"
    )
    print(
        f"edits before shipment (pages of 100 -> lines, address, shadow stock, update jobs): {edited} orders in {edit_s:.2f}s = {edited / edit_s:,.0f} orders/s; SQL queries for the last page: {len(edit_queries)}"
    )
    print(
        f"pull over HTTP from the Amazon simulator: {summary.result.created} orders, {summary.pages} pages in {pull_s:.2f}s = {summary.result.created / pull_s:,.0f} orders/s"
    )
    print(
        f"ShipStation: {sent} of {total} orders created with {calls} createorders calls in {send_s:.2f}s = {calls * 1000 / sent:.1f} calls per 1,000 orders (floor 10)"
    )


if __name__ == "__main__":
    main()
