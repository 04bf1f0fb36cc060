"""Benchmark: the project's signed webhooks against a bare floor, under the same gunicorn config, in one run.

The floor (bench/webhook_floor.py) is a plain WSGI app: signature check + one INSERT ... ON CONFLICT. The
project is ``/webhook/17track`` and ``/webhook/shopify`` served by integration_server.wsgi (production
settings, PostgreSQL, encrypted raw store, job enqueue, worker poke through the ORM broker). Each project
target is compared with the floor fed the same requests: ``floor`` takes the 17TRACK-style deliveries
(``sign`` header), ``floor-shopify`` the Shopify-style ones (base64 HMAC-SHA256, seven ``X-Shopify-*``
headers), so that the load generator's own work and the header parsing are alike on both sides. Each target is
started with ``gunicorn -c gunicorn.conf.py --workers W --threads T``, warmed up for a second, then loaded
for ``--seconds`` by ``--connections`` keep-alive connections (Python client processes), every request a
unique signed delivery. The targets take turns in ``--slice``-second windows, so that other load on the
machine hits them alike. Prints req/s, p50/p99 and each target's ratio to its floor (fair only within one
run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integration_server .venv/bin/python bench/webhooks.py
    options: --connections 8 --seconds 6 --workers 2 --threads 4 --clients 2
             --targets floor,17track,floor-shopify,shopify
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import math
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
TRACK17_KEY = "bench-17track-key"
SHOP_DOMAIN = "bench.myshopify.com"
SHOP_SECRET = "bench-shopify-secret"
FIXTURE_NUMBER = b"1Z2617V10397725789"
FLOORS = {"17track": "floor", "shopify": "floor-shopify"}  # each project target -> its floor (same requests)


# --- load generator (client processes) -------------------------------------------------------------
def _request_maker(target: str, nonce: str):
    """A function i -> (path, body, headers) of one unique signed delivery."""
    if target in ("floor", "17track"):
        template = (FIXTURES / "17track" / "webhook_tracking_updated.sample.json").read_bytes()
        path = "/" if target == "floor" else "/webhook/17track"

        def make(i):
            body = template.replace(FIXTURE_NUMBER, f"BZ{nonce}{i:08d}".encode())
            sign = hashlib.sha256(body + b"/" + TRACK17_KEY.encode()).hexdigest()
            return path, body, {"Content-Type": "application/json", "sign": sign}

        return make
    template = (FIXTURES / "shopify" / "fulfillments_create.sample.json").read_bytes()
    shopify_path = "/shopify" if target == "floor-shopify" else "/webhook/shopify"

    def make_shopify(i):
        body = template.replace(b'"id": 123456', f'"id": {i}'.encode(), 1)
        digest = hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).digest()
        return (
            shopify_path,
            body,
            {
                "Content-Type": "application/json",
                "X-Shopify-Topic": "fulfillments/create",
                "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
                "X-Shopify-Shop-Domain": SHOP_DOMAIN,
                "X-Shopify-API-Version": "2026-07",
                "X-Shopify-Webhook-Id": f"{nonce}-{i}",
                "X-Shopify-Triggered-At": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        )

    return make_shopify


def _client_process(target: str, port: int, threads: int, warmup: float, seconds: float, start_at: float):
    """Run ``threads`` keep-alive connections; returns (latencies of the measured window, statuses)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    measure_from = start_at + warmup
    stop_at = measure_from + seconds

    def one_connection(index: int):
        make = _request_maker(target, f"{uuid.uuid4().hex[:10]}{index}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes, i = [], {}, 0
        while time.time() < start_at:
            time.sleep(0.001)
        while True:
            path, body, headers = make(i)
            i += 1
            t0 = time.time()
            if t0 >= stop_at:
                break
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                code = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                code = 0
            t1 = time.time()
            if t0 >= measure_from and t1 <= stop_at:
                mine.append(t1 - t0)
                codes[code] = codes.get(code, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    workers = [threading.Thread(target=one_connection, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, statuses


def load_slice(pool, target: str, port: int, args, seconds: float, warmup: float) -> tuple[list, dict]:
    """One window of load on one target by every client process; (latencies, statuses)."""
    per_client = [
        args.connections // args.clients + (1 if c < args.connections % args.clients else 0)
        for c in range(args.clients)
    ]
    start_at = time.time() + 0.2
    parts = pool.starmap(
        _client_process, [(target, port, n, warmup, seconds, start_at) for n in per_client if n]
    )
    latencies = [x for part, _ in parts for x in part]
    statuses: dict[int, int] = {}
    for _, codes in parts:
        for code, n in codes.items():
            statuses[code] = statuses.get(code, 0) + n
    return latencies, statuses


def summary(target: str, latencies: list, statuses: dict, seconds: float) -> dict:
    latencies = sorted(latencies)

    def pct(p):
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
        )

    ok = statuses.get(200, 0)
    return {"target": target, "statuses": statuses, "rps": ok / seconds, "p50": pct(0.5), "p99": pct(0.99)}


# --- servers ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict, args, log) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        app,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {app} exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz" if app != "webhook_floor:app" else "/")
            conn.getresponse().read()
            conn.close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn {app} did not start")


def _cpu_of_processes(chosen) -> float:
    """CPU time (user + system) of the live processes for which ``chosen(pid, parent pid, name)`` holds, from
    /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            name, _, rest = Path(f"/proc/{entry}/stat").read_text().rpartition(")")
            fields = rest.split()
        except OSError:
            continue
        if chosen(int(entry), int(fields[1]), name.partition("(")[2]):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time of a gunicorn master and its live workers."""
    return _cpu_of_processes(lambda entry, parent, name: pid in (entry, parent))


def postgres_cpu_seconds() -> float:
    """CPU time of this machine's PostgreSQL processes (server, backends, WAL writer...); 0 if the database
    runs elsewhere. Processes that start and end inside a window are missed."""
    return _cpu_of_processes(lambda entry, parent, name: name == "postgres")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def database_url(settings_dict: dict) -> str:
    user = settings_dict["USER"] or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--slice", type=float, default=2.0, help="seconds per turn of each target")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (same for every target)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes")
    parser.add_argument("--targets", default="floor,17track,floor-shopify,shopify")
    args = parser.parse_args()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]

    sys.path.insert(0, str(ROOT / "bench"))
    from _setup import bench_database

    with bench_database():
        from django.db import connection

        from integration_server.models import OutboundJob, RawPayload
        from logistics.models import ShopifyShop, TrackingAccount

        TrackingAccount.objects.create(provider="17track", api_key=TRACK17_KEY)
        ShopifyShop.objects.create(name="Bench", shop_domain=SHOP_DOMAIN, webhook_secret=SHOP_SECRET)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_floor_delivery (id bigserial PRIMARY KEY, delivery_id text UNIQUE, "
                "body bytea, received_at timestamptz DEFAULT now())"
            )
        url = database_url(connection.settings_dict)
        connection.close()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "integration_server.settings",
            "DATABASE_URL": url,
            "FLOOR_DATABASE_URL": url,
            "FLOOR_KEY": TRACK17_KEY,
            "FLOOR_SHOPIFY_SECRET": SHOP_SECRET,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": f"{ROOT / 'bench'}{os.pathsep}{ROOT}",
        }
        servers = {}
        slices = max(1, math.ceil(args.seconds / args.slice))
        window = args.seconds / slices
        collected = {t: ([], {}) for t in targets}
        cpu = dict.fromkeys(targets, 0.0)  # server CPU seconds during the windows (warm-up included)
        pg_cpu = dict.fromkeys(targets, 0.0)  # PostgreSQL's CPU seconds during the same windows
        with tempfile.NamedTemporaryFile("w+", prefix="bench-webhooks-", suffix=".log", delete=False) as log:
            try:
                for target in targets:
                    port = free_port()
                    app = "webhook_floor:app" if target in FLOORS.values() else "integration_server.wsgi"
                    servers[target] = (start_gunicorn(app, port, env, args, log), port)
                with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
                    # the targets take turns in short windows, so that the machine's other load hits all alike
                    for n in range(slices):
                        for target in targets:
                            before = cpu_seconds(servers[target][0].pid)
                            before_pg = postgres_cpu_seconds()
                            latencies, statuses = load_slice(
                                pool, target, servers[target][1], args, window, args.warmup if n == 0 else 0
                            )
                            cpu[target] += cpu_seconds(servers[target][0].pid) - before
                            pg_cpu[target] += postgres_cpu_seconds() - before_pg
                            collected[target][0].extend(latencies)
                            for code, count in statuses.items():
                                collected[target][1][code] = collected[target][1].get(code, 0) + count
            finally:
                for process, _ in servers.values():
                    stop(process)
        results = [summary(t, *collected[t], args.seconds) for t in targets]
        stored = {
            source: RawPayload.objects.filter(source=source).count() for source in ("17track", "shopify")
        }
        jobs = OutboundJob.objects.filter(kind__startswith="webhook.").count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE delivery_id NOT LIKE 'shopify:%%'), "
                "count(*) FILTER (WHERE delivery_id LIKE 'shopify:%%') FROM bench_floor_delivery"
            )
            floor_rows, floor_shopify_rows = cursor.fetchone()

    by_target = {r["target"]: r for r in results}
    # every request served (the warm-up's too) was a new delivery: one stored row each
    served = {
        "floor": floor_rows,
        "floor-shopify": floor_shopify_rows,
        "17track": stored["17track"],
        "shopify": stored["shopify"],
    }
    print(
        f"command: {sys.executable} bench/webhooks.py --connections {args.connections} --seconds {args.seconds} "
        f"--workers {args.workers} --threads {args.threads} --clients {args.clients} --slice {args.slice} "
        f"--targets {args.targets}"
    )
    print(
        f"gunicorn -c gunicorn.conf.py --workers {args.workers} --threads {args.threads} for every target; "
        f"{os.cpu_count()} CPUs shared with the load generator"
    )
    print(
        f"{'target':13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} {'CPU ms/req':>11} {'PG ms/req':>10}"
        "  answers"
    )
    ok = True
    for r in results:
        floor = by_target.get(FLOORS.get(r["target"], r["target"]))
        ratio = r["rps"] / floor["rps"] if floor and floor["rps"] else float("nan")
        requests = max(1, served.get(r["target"], 0))
        per_request = 1000 * cpu[r["target"]] / requests
        pg_per_request = 1000 * pg_cpu[r["target"]] / requests
        print(
            f"{r['target']:13} {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} {ratio:6.2f}x {per_request:11.2f}"
            f" {pg_per_request:10.2f}  {r['statuses']}"
        )
        if r["target"] not in FLOORS.values():
            ok &= ratio >= 0.5 and r["p99"] <= 50 and set(r["statuses"]) == {200}
    print(
        f"stored raw payloads: {stored}, webhook jobs: {jobs} (warm-up included; one job per stored delivery)"
    )
    print(
        "goal (issue 11): project >= 0.5x its floor, p99 <= 50 ms at 8 connections:",
        "MET" if ok else "NOT MET",
    )
    print(
        "CPU ms/req: the server processes' CPU per request; PG ms/req: this machine's PostgreSQL processes' CPU"
        " per request (both load-independent, unlike req/s: they show where a change saves)"
    )
    print(f"gunicorn log: {log.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
