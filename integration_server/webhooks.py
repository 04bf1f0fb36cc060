"""The base of every inbound webhook (DRF): authenticate on the exact raw body, store it, enqueue its
processing in the same transaction, answer 2xx at once.

Answers: 200 accepted (or duplicate: a repeated delivery changes nothing), 401 failed authentication (nothing
stored), 400 malformed body, 413 oversized body, 503 when the database is down. Never 500 for any input.
"""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, transaction
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from integration_server.models import RawPayload
from integration_server.outbox import enqueue_job
from integration_server.raw_payloads import store_raw_payload, webhook_kind

log = logging.getLogger(__name__)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "body too large"
    default_code = "payload_too_large"


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    a = a.encode() if isinstance(a, str) else a
    b = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a, b)


def read_raw_body(django_request, limit: int) -> bytes:
    try:
        declared = int(django_request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge()
    try:
        body = django_request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLarge() from exc
    if len(body) > limit:
        raise PayloadTooLarge()
    return body


class WebhookSignatureAuthentication(BaseAuthentication):
    """Reads the raw body before any parsing and asks the view's ``verify`` about it."""

    def authenticate(self, request):
        view = request.parser_context["view"]
        body = read_raw_body(request._request, view.max_body_bytes)
        try:
            ok = view.verify(request._request, body, **request.parser_context.get("kwargs", {}))
        except DatabaseError:
            raise
        except Exception:  # noqa: BLE001 - a malformed signature header is a failed authentication
            log.info("webhook.verify_error", extra={"source": view.source}, exc_info=True)
            ok = False
        if not ok:
            log.warning("webhook.unauthenticated", extra={"source": view.source})
            raise AuthenticationFailed("authentication failed")
        return (None, None)

    def authenticate_header(self, request):
        return 'Signature realm="webhook"'


class WebhookView(APIView):
    """Subclass per source: set ``source``, implement ``verify``; optionally ``delivery_id``, ``kind_of``,
    ``external_id``, ``is_relevant``. Processing is the outbox job ``webhook.<source>``, registered by the app
    with ``raw_payload_handler``."""

    source = ""
    authentication_classes = [WebhookSignatureAuthentication]
    permission_classes = [AllowAny]
    parser_classes = []
    max_body_bytes = settings.WEBHOOK_MAX_BODY_BYTES

    def verify(self, request, body: bytes, **kwargs) -> bool:
        raise NotImplementedError

    def parse(self, body: bytes):
        return json.loads(body)

    def delivery_id(self, request, payload, body: bytes) -> str | None:
        return None  # None = a digest of the body

    def kind_of(self, request, payload) -> str:
        return ""

    def external_id(self, payload) -> str:
        return ""

    def is_relevant(self, request, payload) -> bool:
        return True

    @property
    def job_kind(self) -> str:
        return webhook_kind(self.source)

    def post(self, request, **kwargs):
        body = request._request.body
        try:
            payload = self.parse(body)
        except (ValueError, UnicodeDecodeError):
            return Response({"error": "malformed body"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            kind = self.kind_of(request, payload)
            delivery = self.delivery_id(request, payload, body)
            external = self.external_id(payload)
            relevant = self.is_relevant(request, payload)
        except (KeyError, TypeError, AttributeError, ValueError):
            return Response({"error": "unexpected body shape"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            with transaction.atomic():
                raw, created = store_raw_payload(
                    self.source, body, delivery_id=delivery, kind=kind, external_id=external
                )
                if created and relevant:
                    enqueue_job(self.job_kind, {"raw_payload_id": raw.pk}, dedupe_key=f"raw:{raw.pk}")
                elif created:
                    RawPayload.objects.filter(pk=raw.pk).update(state=RawPayload.State.IGNORED)
        except DatabaseError:
            log.exception("webhook.store_failed", extra={"source": self.source})
            return Response({"error": "temporarily unavailable"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        log.info(
            "webhook.received",
            extra={"source": self.source, "kind": kind, "duplicate": not created, "relevant": relevant},
        )
        return Response({"status": "accepted" if created else "duplicate"}, status=status.HTTP_200_OK)
