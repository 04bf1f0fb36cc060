"""Request and job ids carried into every log line (contextvars), and the middleware that sets them."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from contextlib import contextmanager

from integration_server.log_redaction import redact_secrets

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
job_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def redact_path(text: str) -> str:
    """Hide the secret segment of webhook URLs in anything that is logged (see log_redaction)."""
    return redact_secrets(text)


class ContextFilter(logging.Filter):
    def filter(self, record):
        request_id = request_id_var.get()
        job_id = job_id_var.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        if job_id and not hasattr(record, "job_id"):
            record.job_id = job_id
        # Django's request logger attaches the request object itself; it is not JSON and may carry PII.
        if hasattr(record, "request") and not isinstance(record.request, str):
            path = redact_path(str(getattr(record.request, "path", "")))
            record.request = f"{getattr(record.request, 'method', '')} {path}"
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(a) if isinstance(a, str) else a for a in record.args)
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")  # not request.headers: built for this alone
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


@contextmanager
def job_context(job_id):
    token = job_id_var.set(str(job_id))
    try:
        yield
    finally:
        job_id_var.reset(token)
