"""Benchmark: 10,000 17TRACK pushes (30 % duplicates, shuffled arrival) through to sent emails.

Each parcel's pushes carry its history like 17TRACK's (milestones and provider events): a first event
(in transit, or an exception for one parcel in five), Delivered, and for one parcel in three an exception
reported after the delivery. One thread posts every push, in shuffled order, to /webhook/17track (signature
check, encrypted raw store, job enqueue) while ``--workers`` outbox workers run at the same time (processes,
each with its own database connection, claiming like qcluster workers): they apply the statuses, create the
notification records and send the emails through anymail's test backend. Prints the rates, duplicate emails
(must be 0), missing delivery emails (must be 0) and exception emails about an event after delivery
(must be 0).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/is_emails .venv/bin/python bench/emails_track17_pushes.py
    options: --pushes 10000 --duplicates 0.3 --seed 4 --workers 2 --ingest-threads 4
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import sys
import threading
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
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ingest-threads", type=int, default=4)
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


def worker_process(db_name: str, posting_done, results) -> None:
    """One outbox worker (a process, like a qcluster worker): run due jobs until the posting is over and
    nothing is due; report (jobs run, notification ids emailed)."""
    import logging

    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.db import connections

    connections["default"].settings_dict["NAME"] = db_name
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    logging.disable(logging.WARNING)
    mail.outbox = []
    from integration_server.outbox import enqueue as outbox_enqueue
    from integration_server.outbox.runner import run_due_jobs

    outbox_enqueue.dispatch = lambda *a, **k: None
    results.put("ready")
    ran, idle_after_done = 0, 0
    while idle_after_done < 3:
        n = run_due_jobs(max_batches=1)
        ran += n
        if n:
            idle_after_done = 0
        else:
            idle_after_done += posting_done.is_set()
            time.sleep(0.05)
    ids = [int(m.anymail_test_params["metadata"]["notification_id"]) for m in mail.outbox]
    connections.close_all()
    results.put((ran, ids))


def run(args) -> int:
    from django.core import mail
    from django.db import connections
    from django.db.models import F
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
    shipment_count = round(unique_count / (2 + 1 / 3))  # 2 distinct pushes per parcel, 3 for one in three
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
    stage_of = {"InTransit": "PickedUp", "Delivered": "Delivered"}

    def utc(at):
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def body(number, history):
        """A push whose latest event is the last of ``history`` [(status, sub, time), ...], oldest first."""
        payload = json.loads(json.dumps(template))
        data = payload["data"]
        data["number"] = number
        info = data["track_info"]
        status, sub, at = history[-1]
        info["latest_status"] = {"status": status, "sub_status": sub, "sub_status_descr": None}
        info["latest_event"].update({"time_utc": utc(at), "time_iso": at.isoformat(), "description": status})
        first = info["tracking"]["providers"][0]["events"][0]
        info["tracking"]["providers"][0]["events"] = [
            {
                **first,
                "time_utc": utc(t),
                "time_iso": t.isoformat(),
                "description": m,
                "stage": m,
                "sub_status": s,
            }
            for m, s, t in reversed(history)
        ]
        reached = {stage_of[m]: t for m, _, t in history if m in stage_of}
        for milestone in info["milestone"]:
            when = reached.get(milestone["key_stage"])
            milestone["time_utc"] = utc(when) if when else None
            milestone["time_iso"] = when.isoformat() if when else None
        return json.dumps(payload, indent="\t").encode()

    unique = []
    after_delivery_exceptions = 0
    for i, n in enumerate(numbers):
        first = ("Exception", "Exception_Delayed") if i % 5 == 0 else ("InTransit", "InTransit_Arrival")
        life = [
            (*first, now - timedelta(hours=6)),
            ("Delivered", "Delivered_Other", now - timedelta(hours=2)),
        ]
        if i % 3 == 0:
            life.append(("Exception", "Exception_Damage", now - timedelta(hours=1)))
            after_delivery_exceptions += 1
        unique.extend(body(n, life[: k + 1]) for k in range(len(life)))
    pushes = unique + [rng.choice(unique) for _ in range(max(0, args.pushes - len(unique)))]
    rng.shuffle(pushes)  # duplicates anywhere; a later exception often before Delivered
    signed = [(b, push_signature(b, key)) for b in pushes]

    # The web process and the workers at the same time: ``--ingest-threads`` threads (like gunicorn's, each
    # its own connection) post the pushes, in their shuffled order, to /webhook/17track (the worker is not
    # poked: the workers poll, as qcluster workers woken by the poke would run), while ``--workers``
    # processes run due jobs until the posting is over and none is due.
    outbox_enqueue.dispatch = lambda *a, **k: None
    mail.outbox = []
    statuses = Counter()
    posting_done_mp = multiprocessing.get_context("spawn").Event()
    ingest_time = [0.0]
    queue_lock = threading.Lock()
    remaining = iter(signed)

    def ingest_thread():
        client = Client()
        try:
            while True:
                with queue_lock:
                    item = next(remaining, None)
                if item is None:
                    return
                b, sign = item
                response = client.post(
                    "/webhook/17track", data=b, content_type="application/json", HTTP_SIGN=sign
                )
                with queue_lock:
                    statuses[response.status_code, response.json()["status"]] += 1
        finally:
            connections.close_all()

    def ingest():
        started = time.perf_counter()
        posters = [threading.Thread(target=ingest_thread) for _ in range(args.ingest_threads)]
        for poster in posters:
            poster.start()
        for poster in posters:
            poster.join()
        ingest_time[0] = time.perf_counter() - started

    # the workers: separate processes like qcluster's, on the same (test) database
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=worker_process,
            args=(connections["default"].settings_dict["NAME"], posting_done_mp, results),
        )
        for _ in range(args.workers)
    ]
    for process in workers:
        process.start()
    for _ in workers:  # each worker says when it is set up, so that the clock starts with all of them ready
        results.get()

    t0, cpu0 = time.perf_counter(), time.process_time()
    ingester = threading.Thread(target=ingest)
    ingester.start()
    ingester.join()
    posting_done_mp.set()
    ran, emailed = 0, []
    for _ in workers:
        n, ids = results.get()
        ran += n
        emailed += ids
    for process in workers:
        process.join()
    # a last pass: a job made due by the final pushes after every worker had stopped
    ran += run_due_jobs()
    t2 = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu0 + children.ru_utime + children.ru_stime  # workers' set-up included

    ids = emailed + [int(m.anymail_test_params["metadata"]["notification_id"]) for m in mail.outbox]
    sent = len(ids)
    by_key = Counter()
    keys = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "dedupe_key"))
    for pk in ids:
        by_key[keys[pk]] += 1
    duplicate_emails = sum(c - 1 for c in by_key.values() if c > 1)
    records = Counter(Notification.objects.values_list("kind", "state"))

    print(
        f"command: DATABASE_URL=... {sys.executable} bench/emails_track17_pushes.py --pushes {args.pushes} "
        f"--duplicates {args.duplicates} --seed {args.seed} --workers {args.workers} "
        f"--ingest-threads {args.ingest_threads}"
    )
    print(
        f"pushes posted:            {len(signed):,} ({len(unique):,} distinct, {len(signed) - len(unique):,} repeated deliveries)"
    )
    print(f"answers:                  {dict(statuses)}")
    print(
        f"webhook ingest (while {args.workers} worker processes run): {ingest_time[0]:6.1f} s = "
        f"{len(signed) / ingest_time[0]:7.0f} pushes/s"
    )
    print(
        f"end to end:               {t2 - t0:6.1f} s  = {len(signed) / (t2 - t0):7.0f} pushes/s through to sent "
        f"emails ({ran:,} jobs run; goal >= 200 pushes/s)"
    )
    print(
        f"CPU per push:             {1000 * cpu / len(signed):6.2f} ms (ingest + workers, PostgreSQL not counted; "
        f"load-independent: 2 free cores would do ~{2 * len(signed) / cpu:,.0f} pushes/s)"
    )
    print(f"emails sent:              {sent:,}  ({sent / (t2 - t0):.0f} emails/s end to end)")
    print(f"records by kind/state:    {dict(sorted(records.items()))}")
    print(f"duplicate emails:         {duplicate_emails}  (must be 0)")
    confirmed = set(
        Notification.objects.filter(kind="delivery_confirm", state="sent").values_list(
            "tracking_number", flat=True
        )
    )
    missing = len(set(numbers) - confirmed)
    print(f"missing delivery emails:  {missing}  (must be 0; {shipment_count:,} parcels delivered)")
    wrong_exceptions = (
        Notification.objects.filter(
            kind="exception_alert", state="sent", shipment__delivered_at__isnull=False
        )
        .filter(event_at__gt=F("shipment__delivered_at"))
        .count()
    )
    print(
        f"exception emails after delivery: {wrong_exceptions}  (must be 0; "
        f"{after_delivery_exceptions:,} parcels reported an exception after delivery)"
    )
    ok = duplicate_emails == 0 and missing == 0 and wrong_exceptions == 0
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
