"""The bare floor of a signed webhook, for bench/webhooks.py: a plain WSGI app that checks the signature of
the raw body and stores it with one INSERT ... ON CONFLICT DO NOTHING (a psycopg connection per thread,
autocommit). No Django, no encryption, no job: what any webhook receiver must at least do.

Two request shapes, as the vendors send them: ``/`` a 17TRACK-style delivery (header ``sign`` =
sha256(body + "/" + key), deduplicated on the body's digest); ``/shopify`` a Shopify-style one (header
``X-Shopify-Hmac-Sha256`` = base64 HMAC-SHA256 of the body, deduplicated on ``X-Shopify-Webhook-Id``).

Environment: FLOOR_DATABASE_URL (postgres://...), FLOOR_KEY (the 17TRACK-style key), FLOOR_SHOPIFY_SECRET."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading

import psycopg

KEY = os.environ.get("FLOOR_KEY", "bench-key").encode()
SHOPIFY_SECRET = os.environ.get("FLOOR_SHOPIFY_SECRET", "bench-secret").encode()
_local = threading.local()


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return conn


def _delivery(environ, body: bytes) -> str | None:
    """The delivery id of an authentic request, else None."""
    if environ.get("PATH_INFO") == "/shopify":
        expected = base64.b64encode(hmac.new(SHOPIFY_SECRET, body, hashlib.sha256).digest())
        given = environ.get("HTTP_X_SHOPIFY_HMAC_SHA256", "").encode()
        webhook_id = environ.get("HTTP_X_SHOPIFY_WEBHOOK_ID", "")
        return f"shopify:{webhook_id}" if webhook_id and hmac.compare_digest(expected, given) else None
    expected = hashlib.sha256(body + b"/" + KEY).hexdigest().encode()
    if not hmac.compare_digest(expected, environ.get("HTTP_SIGN", "").encode()):
        return None
    return "sha256:" + hashlib.sha256(body).hexdigest()


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    delivery = _delivery(environ, body)
    if delivery is None:
        start_response("401 Unauthorized", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]
    row = (
        _connection()
        .execute(
            "INSERT INTO bench_floor_delivery (delivery_id, body) VALUES (%s, %s) "
            "ON CONFLICT (delivery_id) DO NOTHING RETURNING id",
            [delivery, body],
        )
        .fetchone()
    )
    answer = b'{"status": "accepted"}' if row else b'{"status": "duplicate"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]
