"""Typed errors every vendor client raises, and the outbox understands.

- ``RetryableError``: may succeed later (5xx, timeouts, connection errors): retried by the job's policy.
- ``ThrottledError``: the vendor asked us to slow down; waits ``wait_seconds`` and spends no retry.
- ``PermanentError``: the request itself is wrong (a 4xx about the request): stops at once.
- ``AuthenticationError``: credentials refused (401/403): stops at once; ops must fix the account.

Messages never carry secrets or bodies: vendor, operation, status and a short reason.
"""

from __future__ import annotations


class ExternalApiError(Exception):
    def __init__(self, message: str, *, vendor: str = "", status: int | None = None):
        super().__init__(message)
        self.vendor = vendor
        self.status = status

    def __str__(self):
        prefix = f"{self.vendor} " if self.vendor else ""
        status = f"HTTP {self.status}: " if self.status else ""
        return f"{prefix}{status}{self.args[0] if self.args else ''}".strip()


class RetryableError(ExternalApiError):
    pass


class ThrottledError(RetryableError):
    def __init__(self, message: str = "throttled", *, wait_seconds: float = 1.0, **kwargs):
        super().__init__(message, **kwargs)
        self.wait_seconds = max(0.0, float(wait_seconds))


class PermanentError(ExternalApiError):
    pass


class AuthenticationError(PermanentError):
    pass
