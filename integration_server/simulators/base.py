"""A small WSGI toolkit for vendor simulators: routing, JSON answers, a fixed-window rate limit, and a
threaded server bound to 127.0.0.1.

A vendor simulator subclasses ``Simulator``, declares routes with ``@route(method, regex)`` on methods that
take a ``SimRequest`` (plus the regex groups) and return ``(status, body[, headers])``; state lives on the
instance, guarded by ``self.lock``. It is registered with ``register_simulator(name, factory, port)``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from integration_server.restorable import restorable

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    207: "Multi-Status",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class SimRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self):
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


def json_response(status: int, data, headers: dict | None = None):
    return status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}


def route(method: str, pattern: str):
    def mark(fn):
        fn._sim_route = (method.upper(), re.compile(f"^{pattern}$"))
        return fn

    return mark


class FixedWindowLimiter:
    """``limit`` calls per ``window`` seconds per key; ``hit`` returns seconds until the window resets
    when over the limit, else None."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        now = time.monotonic()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._windows[key] = (start, count)
            if count > self.limit:
                return max(self.window - (now - start), 0.0)
        return None

    def remaining(self, key: str) -> int:
        start, count = self._windows.get(key, (0, 0))
        return max(self.limit - count, 0)


class Simulator:
    name = "simulator"

    def __init__(self):
        self.lock = threading.RLock()
        self.requests: list[SimRequest] = []  # every request, for tests and benchmarks to inspect
        self._routes = []
        for attr in dir(type(self)):
            fn = getattr(self, attr, None)
            spec = getattr(fn, "_sim_route", None)
            if spec:
                self._routes.append((spec[0], spec[1], fn))
        self.base_url = ""

    def calls(self, method: str | None = None, path_prefix: str = "") -> list[SimRequest]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            ]

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = SimRequest(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO", "/"),
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
        )
        with self.lock:
            self.requests.append(request)
        try:
            result = self.dispatch(request)
        except Exception as exc:  # noqa: BLE001 - a simulator bug answers 500 like a vendor would
            result = json_response(500, {"message": f"simulator error: {type(exc).__name__}: {exc}"})
        status, payload, *rest = result
        out_headers = rest[0] if rest else {"Content-Type": "application/json"}
        if isinstance(payload, str):
            payload = payload.encode()
        start_response(f"{status} {_STATUS_TEXT.get(status, 'Status')}", list(out_headers.items()))
        return [payload]

    def dispatch(self, request: SimRequest):
        allowed = False
        for method, regex, fn in self._routes:
            match = regex.match(request.path)
            if match:
                allowed = True
                if method == request.method:
                    return fn(request, *match.groups())
        return json_response(405 if allowed else 404, {"message": "no such resource"})


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    wbufsize = -1  # one write per answer

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve_in_thread(app: Simulator, port: int = 0, host: str = "127.0.0.1"):
    """Serve ``app`` on 127.0.0.1 from a daemon thread; returns the server (call ``shutdown()`` to stop).
    ``app.base_url`` is set to the address it listens on."""
    server = make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    app.base_url = f"http://{host}:{server.server_port}"
    # a short poll interval: ``shutdown()`` returns within 50 ms instead of 0.5 s (every simulator test's teardown)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sim-{app.name}", daemon=True
    )
    thread.start()
    return server


_REGISTRY: dict[str, tuple[Callable[[], Simulator], int]] = restorable({})


def register_simulator(name: str, factory: Callable[[], Simulator], default_port: int) -> None:
    _REGISTRY[name] = (factory, default_port)


def registered_simulators() -> dict[str, tuple[Callable[[], Simulator], int]]:
    return dict(_REGISTRY)


_DEMO_STORY: list[Callable] = restorable([])


def register_demo_story(play: Callable) -> None:
    """``play(service_url, running_simulators, say=print)``: what ``run_simulators --story`` plays."""
    _DEMO_STORY[:] = [play]


def demo_story() -> Callable | None:
    return _DEMO_STORY[0] if _DEMO_STORY else None
