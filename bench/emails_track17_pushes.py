"""Benchmark: 10,000 17TRACK pushes (30 % duplicates, out of order) through to sent emails.

Phase 1 posts every push to /webhook/17track (signature check, encrypted raw store, job enqueue) as
Shopify-free shipments' tracking updates arrive; phase 2 is the worker: it applies the statuses, creates the
notification records and sends the emails through anymail's test backend. Prints both rates, the end-to-end
rate, and the number of duplicate emails (must be 0).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/is_emails /work/venv/bin/python bench/emails_track17_pushes.py
    options: --pushes 10000 --duplicates 0.3 --seed 4
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_server.settings_test")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--duplicates", type=float, default=0.30)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ALLOWED_HOSTS = ["*"]
    settings.LOG_LEVEL = "ERROR"
    import logging

    logging.disable(logging.WARNING)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        return run(args)
    finally:
        teardown_databases(old_config, verbosity=0)


def run(args) -> int:
    from django.core import mail
    from django.test import Client

    from integration_server.crypto import lookup_hash
    from integration_server.outbox import enqueue as outbox_enqueue
    from integration_server.outbox.runner import run_due_jobs
    from logistics.models import ShopifyShop, TrackedShipment, TrackingAccount
    from logistics.tracking.signature import push_signature
    from notifications.models import Notification

    rng = random.Random(args.seed)
    key = "bench-17track-key"
    TrackingAccount.objects.create(provider="17track", api_key=key)
    shop = ShopifyShop.objects.create(
        name="Bench", shop_domain="bench.myshopify.com", review_url="https://example.com/review"
    )
    unique_count = round(args.pushes * (1 - args.duplicates))
    shipment_count = unique_count // 2  # two distinct pushes per parcel
    numbers = [f"1ZBENCH{i:07d}" for i in range(shipment_count)]
    TrackedShipment.objects.bulk_create(
        [
            TrackedShipment(
                tracking_number=n,
                shop=shop,
                order_number=f"#{i}",
                recipient_email=f"customer{i}@example.com",
                email_hash=lookup_hash(f"customer{i}@example.com"),
                customer_name="Alex",
                carrier="UPS",
                registration="registered",
            )
            for i, n in enumerate(numbers)
        ],
        batch_size=1000,
    )

    template = json.loads(
        (ROOT.parent / "shared" / "fixtures" / "17track" / "webhook_tracking_updated.sample.json").read_text()
    )
    now = datetime.now(UTC)

    def body(number, status, sub, at):
        payload = json.loads(json.dumps(template))
        data = payload["data"]
        data["number"] = number
        data["track_info"]["latest_status"] = {"status": status, "sub_status": sub, "sub_status_descr": None}
        data["track_info"]["latest_event"].update(
            {"time_utc": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "time_iso": at.isoformat(), "description": status}
        )
        return json.dumps(payload, indent="\t").encode()

    unique = []
    for i, n in enumerate(numbers):
        first = ("Exception", "Exception_Delayed") if i % 5 == 0 else ("InTransit", "InTransit_Arrival")
        unique.append(body(n, *first, now - timedelta(hours=6)))
        unique.append(body(n, "Delivered", "Delivered_Other", now - timedelta(hours=1)))
    pushes = unique + [rng.choice(unique) for _ in range(args.pushes - len(unique))]
    rng.shuffle(pushes)  # duplicates anywhere, Delivered often before InTransit / Exception
    signed = [(b, push_signature(b, key)) for b in pushes]

    # phase 1: the web process (the worker is not poked; phase 2 runs it)
    outbox_enqueue.dispatch = lambda *a, **k: None
    client = Client()
    mail.outbox = []
    t0 = time.perf_counter()
    statuses = Counter()
    for b, sign in signed:
        response = client.post("/webhook/17track", data=b, content_type="application/json", HTTP_SIGN=sign)
        statuses[response.status_code, response.json()["status"]] += 1
    t1 = time.perf_counter()

    # phase 2: the worker
    ran = 0
    while True:
        n = run_due_jobs()
        if not n:
            break
        ran += n
    t2 = time.perf_counter()

    sent = len(mail.outbox)
    by_key = Counter()
    ids = [int(m.anymail_test_params["metadata"]["notification_id"]) for m in mail.outbox]
    keys = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "dedupe_key"))
    for pk in ids:
        by_key[keys[pk]] += 1
    duplicate_emails = sum(c - 1 for c in by_key.values() if c > 1)
    records = Counter(Notification.objects.values_list("kind", "state"))

    print(
        f"command: DATABASE_URL=... {sys.executable} bench/emails_track17_pushes.py --pushes {args.pushes} "
        f"--duplicates {args.duplicates} --seed {args.seed}"
    )
    print(
        f"pushes posted:            {len(signed):,} ({len(unique):,} distinct, {len(signed) - len(unique):,} repeated deliveries)"
    )
    print(f"answers:                  {dict(statuses)}")
    print(f"phase 1 webhook ingest:   {t1 - t0:6.1f} s  = {len(signed) / (t1 - t0):7.0f} pushes/s")
    print(
        f"phase 2 worker:           {t2 - t1:6.1f} s  = {len(signed) / (t2 - t1):7.0f} pushes/s ({ran:,} jobs run)"
    )
    print(
        f"end to end:               {t2 - t0:6.1f} s  = {len(signed) / (t2 - t0):7.0f} pushes/s through to sent emails"
    )
    print(f"emails sent:              {sent:,}  ({sent / (t2 - t0):.0f} emails/s end to end)")
    print(f"records by kind/state:    {dict(sorted(records.items()))}")
    print(f"duplicate emails:         {duplicate_emails}  (must be 0)")
    expected_confirms = shipment_count
    ok = duplicate_emails == 0 and records[("delivery_confirm", "sent")] == expected_confirms
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
