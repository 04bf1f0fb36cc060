"""One redaction of webhook secrets for every log line (the app's loggers and gunicorn's).

Vendors that sign nothing carry a secret in the URL: /webhook/<source>/<secret>. The segment after
/webhook/<source>/ is hidden however the path is spelled: any case, doubled slashes, percent-encoded
letters, inside a full URL or a request line gunicorn refused."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

_WEBHOOK_SECRET = re.compile(r"(/+webhook/+[^/\s?#\"'\\]+/+)[^/\s?#\"'\\]+", re.IGNORECASE)
_MASK = r"\1***"


def redact_secrets(text: str) -> str:
    if "%" in text:
        decoded = unquote(unquote(text))
        if _WEBHOOK_SECRET.search(decoded):
            text = decoded
    if "ebhook" not in text.lower():
        return text
    return _WEBHOOK_SECRET.sub(_MASK, text)


def _redact_value(value):
    return redact_secrets(value) if isinstance(value, str) else value


class RedactSecretsFilter(logging.Filter):
    """Put on every handler: redacts the message, its arguments (tuple or gunicorn's dict) and the
    formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_value(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact_secrets(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif isinstance(record.exc_text, str):
            record.exc_text = redact_secrets(record.exc_text)
        return True
