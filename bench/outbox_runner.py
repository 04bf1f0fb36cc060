"""Outbox runner throughput: jobs per second through one worker, each job one HTTP call to a local no-op
endpoint (the vendor's latency taken out), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integration_server .venv/bin/python bench/outbox_runner.py [--jobs N]
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from _setup import bench_database, command_line


class NoOp(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body in one segment (no delayed-ACK stall)

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), NoOp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    with bench_database():
        from django.db import connection
        from django.utils import timezone

        from integration_server.http.client import ApiClient
        from integration_server.models import OutboundJob
        from integration_server.outbox import register_job_kind
        from integration_server.outbox.registry import single
        from integration_server.outbox.runner import run_due_jobs

        client = ApiClient(base)

        def call(job):
            client.post_json("/noop", {"job": job.pk})
            return None

        register_job_kind("bench.single", single(call), batch_size=1)
        register_job_kind("bench.batched", single(call), batch_size=50)

        t0 = time.perf_counter()
        for n in range(args.jobs):
            client.post_json("/noop", {"job": n})
        http_only = time.perf_counter() - t0

        results = []
        for kind in ("bench.single", "bench.batched"):
            now = timezone.now()
            # distinct due times, as in real life (jobs are written one by one): a runner that groups its
            # writes by equal values would look cheaper here than it is with one shared timestamp
            OutboundJob.objects.bulk_create(
                [
                    OutboundJob(kind=kind, payload={"n": n}, next_attempt_at=now - timedelta(microseconds=n))
                    for n in range(args.jobs)
                ]
            )
            queries = [0]

            def count(execute, sql, params, many, context, queries=queries):
                queries[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                t0 = time.perf_counter()
                ran = run_due_jobs(kind)
                elapsed = time.perf_counter() - t0
            done = OutboundJob.objects.filter(kind=kind, state="succeeded").count()
            assert ran == done == args.jobs, (ran, done)
            results.append((kind, elapsed, queries[0]))

    server.shutdown()
    print(f"command: {command_line()}")
    print(f"jobs per run: {args.jobs}, one worker, one HTTP POST per job to a local no-op endpoint")
    print(f"HTTP calls alone (no outbox):      {args.jobs / http_only:8.0f} calls/s ({http_only:.2f} s)")
    labels = {"bench.single": "one-by-one handler (claims 10)", "bench.batched": "batch handler (batch 50)"}
    for kind, elapsed, queries in results:
        print(
            f"{labels[kind]:<34} {args.jobs / elapsed:8.0f} jobs/s  ({elapsed:.2f} s, "
            f"{queries / args.jobs:.2f} SQL queries per job, "
            f"runner overhead {(elapsed - http_only) / args.jobs * 1000:.2f} ms per job)"
        )


if __name__ == "__main__":
    main()
