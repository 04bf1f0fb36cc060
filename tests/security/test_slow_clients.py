"""Issue 10 point 16: a client dribbling its body cannot hold a gunicorn thread beyond WEB_BODY_TIMEOUT, and
the nginx site that buffers requests in front is shipped and documented."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(port: int, log):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_server.settings_test",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "1",
        "WEB_BODY_TIMEOUT": "1",
    }
    proc = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "integration_server.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("gunicorn did not start")


def test_a_dribbled_body_is_cut_off_and_the_thread_freed(tmp_path):
    port = _free_port()
    with open(tmp_path / "gunicorn.log", "w+b") as log:
        proc = _gunicorn(port, log)
        try:
            slow = socket.create_connection(("127.0.0.1", port), timeout=30)
            slow.sendall(
                b"POST /webhook/17track HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Content-Length: 200\r\n\r\n{"
            )
            # one byte a second: 200 s for the whole body; the server must give up long before
            answered = b""
            for _ in range(60):
                try:
                    slow.sendall(b" ")
                except OSError:
                    break
                slow.settimeout(1)
                try:
                    chunk = slow.recv(65536)
                except TimeoutError:
                    continue
                answered += chunk
                if not chunk or b"\r\n\r\n" in answered:
                    break
            sent_seconds_worth = _ + 1
            slow.close()
            # the only thread is free again: a normal request is served
            with socket.create_connection(("127.0.0.1", port), timeout=30) as ok:
                ok.sendall(b"GET /no-such-page HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                status_line = ok.recv(65536).split(b"\r\n", 1)[0]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert sent_seconds_worth < 60, "the slow body held the thread"
    assert not answered or answered.startswith(b"HTTP/1.1 400"), answered[:200]
    assert status_line.split()[1] == b"404"


def test_nginx_site_buffers_bodies_and_is_in_the_readme():
    site = (ROOT / "deploy" / "nginx" / "integration-server.conf").read_text()
    for directive in (
        "proxy_request_buffering on;",
        "client_body_timeout",
        "client_header_timeout",
        "client_max_body_size",
        "proxy_pass http://integration_server;",
        "X-Forwarded-Proto",
    ):
        assert directive in site, directive
    assert "$request_uri $integration_server_log_uri" not in site  # the access log never logs the raw URI
    assert "deploy/nginx/integration-server.conf" in (ROOT / "README.md").read_text()
