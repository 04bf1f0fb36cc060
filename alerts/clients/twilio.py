"""Twilio Messages API: send one SMS (``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form fields,
HTTP Basic AccountSid:AuthToken). Errors come back as JSON ``{code, message, more_info, status}``; the kernel
client maps 429 to ThrottledError, 401/403 to AuthenticationError, other 4xx to PermanentError, 5xx to
RetryableError."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from integration_server.crypto import lookup_hash
from integration_server.http.client import ApiClient
from integration_server.http.errors import PermanentError

API_VERSION = "2010-04-01"
API_HOSTS = ("api.twilio.com",)  # base-URL overrides (integration_server.vendor_hosts)


def sid_reference(account_sid: str) -> str:
    """What rate-limit keys, logs and errors show instead of the Account SID: a keyed hash, stable per
    account (so the shared pacing bucket still works), useless without LOOKUP_HASH_KEY."""
    return "sid-" + lookup_hash(account_sid)[:16]


@dataclass(frozen=True)
class SentSms:
    sid: str
    status: str


class TwilioClient(ApiClient):
    vendor = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = f"https://{API_HOSTS[0]}",
        from_number: str = "",
        messaging_service_sid: str = "",
        per_minute: float | None = None,
        **kwargs,
    ):
        if not account_sid or not auth_token:
            raise PermanentError("the Twilio account has no Account SID or auth token", vendor=self.vendor)
        if not from_number and not messaging_service_sid:
            raise PermanentError(
                "the Twilio account has no From number or Messaging Service", vendor=self.vendor
            )
        self._sid_ref = sid_reference(account_sid)
        super().__init__(base_url, rate_key=f"twilio:{self._sid_ref}", per_minute=per_minute, **kwargs)
        self._sid = account_sid
        self._token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid

    def loggable_path(self, path: str) -> str:
        return path.replace(self._sid, self._sid_ref) if self._sid else path

    def auth_headers(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self._sid}:{self._token}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}

    def send_sms(self, to: str, body: str) -> SentSms:
        form = {"To": to, "Body": body}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_number
        response = self.request(
            "POST", f"/{API_VERSION}/Accounts/{self._sid}/Messages.json", data=form, expected=(200, 201)
        )
        data = response.json()
        return SentSms(sid=str(data.get("sid") or ""), status=str(data.get("status") or ""))


def client_for(account) -> TwilioClient:
    from alerts import conf

    return TwilioClient(
        account.account_sid,
        account.auth_token,
        base_url=account.base_url,
        from_number=account.from_number,
        messaging_service_sid=account.messaging_service_sid,
        per_minute=conf.ALERTS_TWILIO_PER_MINUTE,
    )
