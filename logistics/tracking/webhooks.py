"""POST /webhook/17track: header ``sign`` checked against the account's API key (and the previous key for
a short grace period after a change); a repeated body is one delivery."""

from __future__ import annotations

from integration_server.key_cache import forget_on_change, verify_with_cached
from integration_server.webhooks import WebhookView, header
from logistics.models import TrackingAccount
from logistics.tracking import conf
from logistics.tracking.signature import signature_matches


def push_account() -> TrackingAccount | None:
    return TrackingAccount.objects.filter(provider="17track", enabled=True, webhook_enabled=True).first()


forget_on_change(TrackingAccount, "17track")


class Track17WebhookView(WebhookView):
    source = "17track"

    def verify(self, request, body: bytes, **kwargs) -> bool:
        sign = header(request, "sign")

        def check(account):
            if account is None:
                return False
            keys = account.signing_keys(grace_minutes=conf.TRACK17_KEY_GRACE_MINUTES)
            return signature_matches(body, sign, keys)

        return verify_with_cached("17track", "", push_account, check)

    def kind_of(self, request, payload) -> str:
        return str(payload.get("event") or "")[:80] if isinstance(payload, dict) else ""

    def external_id(self, payload) -> str:
        if not isinstance(payload, dict):
            return ""
        return str((payload.get("data") or {}).get("number") or "")[:200]

    def is_relevant(self, request, payload) -> bool:
        return isinstance(payload, dict) and payload.get("event") == "TRACKING_UPDATED"
