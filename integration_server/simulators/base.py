"""Vendor simulators on werkzeug: a route table, JSON answers, a fixed-window rate limit, and a threaded
server bound to 127.0.0.1.

A vendor simulator subclasses ``Simulator``, declares routes with ``@route(method, regex)`` on methods that
take a ``SimRequest`` (plus the regex groups) and return ``(status, body[, headers])``; state lives on the
instance, guarded by ``self.lock``. It is registered with ``register_simulator(name, factory, port)``.
werkzeug parses the requests, writes the answers and serves them; the regex routes stay (a vendor's paths
read as its documentation writes them).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from werkzeug.datastructures import Headers
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from integration_server.restorable import restorable


class SimRequest:
    """A request as a route sees it, parsed by werkzeug and detached from the connection: tests inspect it
    in ``Simulator.requests`` after the answer went out."""

    __slots__ = ("method", "path", "query", "headers", "body")

    def __init__(self, environ: dict):
        request = Request(environ)
        self.method: str = request.method
        self.path: str = request.path
        self.query: dict[str, list[str]] = request.args.to_dict(flat=False)  # name -> every value, in order
        self.headers: Headers = Headers(request.headers)  # a name matches in any case
        self.body: bytes = request.get_data()

    def __repr__(self) -> str:
        return f"<SimRequest {self.method} {self.path}>"

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self):
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


class _Answer(Response):
    default_mimetype = None  # the route's headers say it all: no Content-Type unless it gives one


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
        request = SimRequest(environ)
        with self.lock:
            self.requests.append(request)
        try:
            result = self.dispatch(request)
        except Exception as exc:  # noqa: BLE001 - a simulator bug answers 500 like a vendor would
            result = json_response(500, {"message": f"simulator error: {type(exc).__name__}: {exc}"})
        status, payload, *rest = result
        headers = rest[0] if rest else {"Content-Type": "application/json"}
        return _Answer(payload, status=status, headers=headers)(environ, start_response)

    def dispatch(self, request: SimRequest):
        allowed = False
        for method, regex, fn in self._routes:
            match = regex.match(request.path)
            if match:
                allowed = True
                if method == request.method:
                    return fn(request, *match.groups())
        return json_response(405 if allowed else 404, {"message": "no such resource"})


class _QuietHandler(WSGIRequestHandler):
    wbufsize = -1  # one write per answer (status line, headers and body leave together)

    def log_request(self, code="-", size="-") -> None:
        pass  # no line per request (benchmarks send thousands); errors are still logged by werkzeug


def serve_in_thread(app: Simulator, port: int = 0, host: str = "127.0.0.1") -> BaseWSGIServer:
    """Serve ``app`` on 127.0.0.1 from a daemon thread, a thread per request; returns the server (call
    ``shutdown()`` to stop it and close its socket). ``app.base_url`` is set to the address it listens on."""
    # bound here, not by werkzeug, which exits the process when the port is taken; a taken port raises OSError
    with socket.create_server((host, port)) as listening:
        server = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler, fd=listening.fileno()
        )
    app.base_url = f"http://{host}:{server.server_address[1]}"
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
