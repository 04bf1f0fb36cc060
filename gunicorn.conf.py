"""gunicorn settings (web process). Environment: BIND, WEB_CONCURRENCY, WEB_TIMEOUT."""

import os

from gunicorn.glogging import Logger

from integration_server.log_format import JSON_FORMATTER
from integration_server.logging_context import redact_path


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
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": JSON_FORMATTER},
    "handlers": {
        "error": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
        "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
    },
    "root": {"level": "INFO", "handlers": ["error"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
