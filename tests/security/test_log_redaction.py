"""Issue 10 point 6: webhook secrets in URLs never reach any log, whatever the path's spelling, including
gunicorn's own error log."""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from integration_server.log_redaction import RedactSecretsFilter, redact_secrets

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Sup3rS3cretValue"


@pytest.mark.parametrize(
    "text",
    [
        f"/webhook/shipstation/{SECRET}",
        f"//webhook/shipstation/{SECRET}",
        f"/webhook//zoho/{SECRET}",
        f"/WEBHOOK/ShipStation/{SECRET}",
        f"/Webhook/zoho/{SECRET}?x=1",
        f"/%77ebhook/shipstation/{SECRET}",
        f"/webhook/%73hipstation/{SECRET}",
        f"Invalid request from ip=1.2.3.4: Invalid HTTP request line: 'POST //webhook/zoho/{SECRET} HTTP/1.1 x'",
        f"http://host:8000/webhook/shipstation/{SECRET}/",
    ],
)
def test_secret_segment_is_redacted(text):
    assert SECRET not in redact_secrets(text)
    assert SECRET.lower() not in redact_secrets(text).lower()


def test_routes_without_secret_are_kept():
    assert redact_secrets("POST /webhook/shopify HTTP/1.1") == "POST /webhook/shopify HTTP/1.1"
    assert redact_secrets("GET /admin/logistics/") == "GET /admin/logistics/"


def test_filter_redacts_message_args_dict_args_and_tracebacks():
    try:
        raise ValueError(f"bad path /webhook/zoho/{SECRET}")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "any.logger", logging.ERROR, __file__, 1, "%s %s", ("GET", f"//webhook/zoho/{SECRET}"), exc_info
    )
    RedactSecretsFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert SECRET not in formatted and "ValueError" in formatted
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(U)s", ({"U": f"/WEBHOOK/zoho/{SECRET}"},), None
    )
    RedactSecretsFilter().filter(record)
    assert SECRET not in record.getMessage()


def _gunicorn_conf():
    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf_redaction", settings.BASE_DIR / "gunicorn.conf.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_handler_of_the_app_and_gunicorn_redacts():
    for config in (settings.LOGGING, _gunicorn_conf().logconfig_dict):
        redacting = {name for name, f in config["filters"].items() if f["()"].endswith("RedactSecretsFilter")}
        assert redacting
        for name, handler in config["handlers"].items():
            assert redacting & set(handler.get("filters", [])), name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_logs_never_show_the_secret(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_server.settings_test",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
    }
    out = open(tmp_path / "out.log", "w+b")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "integration_server.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        for raw in (
            f"POST //webhook/shipstation/{SECRET}\r\n\r\n",  # invalid request line (no version)
            f"POST /webhook/zoho/{SECRET}\x7f HTTP/1.1\r\n\r\n",  # invalid request line (bad byte)
            f"GET /WEBHOOK/zoho/{SECRET} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            f"GET //webhook/shipstation/{SECRET} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                s.sendall(raw.encode())
                s.recv(65536)
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log = (tmp_path / "out.log").read_bytes().decode(errors="replace")
    assert "Invalid" in log, log  # the bad request line was logged ...
    assert SECRET not in log, log  # ... without the secret
