"""gunicorn settings (web process). Environment: BIND, WEB_CONCURRENCY, WEB_THREADS, WEB_TIMEOUT, WEB_BODY_TIMEOUT,
WEB_MAX_REQUESTS."""

import os

from gunicorn.glogging import Logger

from integration_server.log_format import JSON_FORMATTER
from integration_server.logging_context import redact_path
from integration_server.slow_body import end_body_deadline, start_body_deadline


def _number(value):
    return int(value) if str(value).isdigit() else None


class RedactingLogger(Logger):
    """Access log lines without the secrets that some vendors' webhook URLs carry, one JSON event per
    request through the application's JSON formatter (a ``"`` in a path stays valid JSON)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_path(atoms[key])
        return atoms

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {  # no query string: it may carry secrets
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "status": _number(atoms.get("s")),
            "bytes": _number(atoms.get("B")),
            "duration_ms": _number(atoms.get("M")),
            "request_id": atoms.get("{x-request-id}o", "-"),
        }
        self.access_log.info("request", extra=fields)


logger_class = RedactingLogger

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A slow client may hold a thread for at most this long while sending its body (nginx buffers in front).
body_timeout = float(os.environ.get("WEB_BODY_TIMEOUT", "5"))


def pre_request(worker, req):
    start_body_deadline(req, body_timeout)


def post_request(worker, req, environ, resp):
    end_body_deadline(req)


# Recycle a worker only after many requests (a guard against slow leaks, not a routine): 2,000 restarted a
# worker every few seconds under load and showed in p99. The jitter keeps the workers from restarting together.
# WEB_MAX_REQUESTS=0 turns recycling off.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "integration_server.log_redaction.RedactSecretsFilter"}},
    "formatters": {"json": JSON_FORMATTER},
    "handlers": {
        "error": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["redact"],
        },
        "access": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["redact"],
        },
    },
    "root": {"level": "INFO", "handlers": ["error"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
