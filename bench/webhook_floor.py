"""The bare floor of a signed webhook, for bench/webhooks.py: a plain WSGI app that checks the 17TRACK-style
signature of the raw body and stores it with one INSERT ... ON CONFLICT DO NOTHING (a psycopg connection per
thread, autocommit). No Django, no encryption, no job: what any webhook receiver must at least do.

Environment: FLOOR_DATABASE_URL (postgres://...), FLOOR_KEY (the signing key)."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading

import psycopg

KEY = os.environ.get("FLOOR_KEY", "bench-key").encode()
_local = threading.local()


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return conn


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    expected = hashlib.sha256(body + b"/" + KEY).hexdigest().encode()
    if not hmac.compare_digest(expected, environ.get("HTTP_SIGN", "").encode()):
        start_response("401 Unauthorized", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]
    row = (
        _connection()
        .execute(
            "INSERT INTO bench_floor_delivery (delivery_id, body) VALUES (%s, %s) "
            "ON CONFLICT (delivery_id) DO NOTHING RETURNING id",
            ["sha256:" + hashlib.sha256(body).hexdigest(), body],
        )
        .fetchone()
    )
    answer = b'{"status": "accepted"}' if row else b'{"status": "duplicate"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]
