"""Benchmark: one evaluation of the alert rules over a busy day of records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/is_alerts_bench /work/venv/bin/python bench/alerts_evaluate.py
        [--orders 100000] [--missed-percent 4] [--attempts 20000] [--depleted 500]

Creates the orders of the last 24 h (a share never accepted by ShipStation), failed job attempts of the last
hour, depleted SKUs and two ops recipients, then times three evaluations: the first opens the alerts and
queues their messages, the second finds nothing new (quiet), the third runs after the stock came back
(clears the SKU alerts). Prints wall time and SQL queries of each run: the query count must not depend on
the volume.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._setup import bench_database, command_line  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--missed-percent", type=int, default=4)
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--depleted", type=int, default=500)
    args = parser.parse_args()

    with bench_database():
        from django.db import connection
        from django_q.conf import Conf

        Conf.SYNC = False  # like production: after commit a worker task is queued, the sends are not run here
        from django.utils import timezone

        from alerts.models import AlertRecipient
        from alerts.services.evaluate import evaluate_alerts
        from integration_server.models import JobAttempt, OutboundJob
        from inventory.models import StockEvent, StockLevel
        from logistics.models import ShipStationOrder
        from logistics.shipstation.outbound import CREATE_KIND
        from logistics.shipstation.shipments import PUSH_TRACKING_KIND
        from marketplaces.models import MarketplaceAccount, Order

        now = timezone.now()
        t0 = time.perf_counter()
        accounts = [
            MarketplaceAccount.objects.create(name=f"acct-{i}", channel="amazon", shipstation_store_id=i)
            for i in range(4)
        ]
        missed_every = max(1, round(100 / max(args.missed_percent, 1)))
        batch = 5000
        for start in range(0, args.orders, batch):
            orders = [
                Order(
                    account=accounts[n % 4],
                    marketplace_order_id=f"B{n}",
                    state=Order.State.NEW if n % missed_every == 0 else Order.State.SENT,
                    created_at=now - timedelta(minutes=31 + (n * 1409) % (23 * 60)),
                )
                for n in range(start, min(start + batch, args.orders))
            ]
            Order.objects.bulk_create(orders)
            ShipStationOrder.objects.bulk_create(
                [
                    ShipStationOrder(
                        order=o,
                        order_key=f"k-{o.marketplace_order_id}",
                        state="created" if o.state == Order.State.SENT else "failed",
                        sent_at=o.created_at if o.state == Order.State.SENT else None,
                    )
                    for o in orders
                ]
            )
            print(f"\r  {min(start + batch, args.orders):>7} orders written", end="", flush=True)
        print()
        for kind in (CREATE_KIND, PUSH_TRACKING_KIND):
            job = OutboundJob.objects.create(kind=kind, payload={})
            JobAttempt.objects.bulk_create(
                [
                    JobAttempt(
                        job=job,
                        kind=kind,
                        number=n + 1,
                        started_at=now - timedelta(minutes=n % 59),
                        outcome="retry",
                    )
                    for n in range(args.attempts // 2)
                ],
                batch_size=5000,
            )
        StockLevel.objects.bulk_create(
            [StockLevel(sku=f"SKU-{n}", depleted=True, depletion_count=1) for n in range(args.depleted)]
        )
        StockEvent.objects.bulk_create(
            [StockEvent(kind="depleted", sku=f"SKU-{n}", episode=1) for n in range(args.depleted)]
        )
        AlertRecipient.objects.create(name="a", email="a@example.com", phone="+14155550100")
        AlertRecipient.objects.create(name="b", email="b@example.com", phone="+14155550101")
        print(f"  set-up {time.perf_counter() - t0:.1f} s")

        counter = {"n": 0}

        def count(execute, sql, params, many, context):
            counter["n"] += 1
            return execute(sql, params, many, context)

        def timed(label: str, when) -> None:
            counter["n"] = 0
            with connection.execute_wrapper(count):
                t = time.perf_counter()
                result = evaluate_alerts(now=when)
                elapsed = time.perf_counter() - t
            print(f"  {label:<28} {elapsed * 1000:8.1f} ms  {counter['n']:>3} queries  {result.summary()}")

        timed("first run (opens)", now)
        timed("second run (quiet)", now + timedelta(seconds=1))
        StockLevel.objects.update(depleted=False, shadow_available=5)
        timed("third run (stock back)", now + timedelta(seconds=2))
        print(
            f"{args.orders} orders ({args.missed_percent} % missed), {args.attempts} failed attempts, "
            f"{args.depleted} depleted SKUs"
        )
        print(command_line())


if __name__ == "__main__":
    main()
