"""The base of every inbound webhook (DRF): authenticate on the exact raw body, store it, enqueue its
processing in the same transaction, answer 2xx at once.

The accepted path is one SQL statement (raw body + job, see ``ingest_webhook_payload``), with no
connection health check before it (a dropped connection is retried once instead); views cache their
signing keys per process (``integration_server.key_cache``).

Answers: 200 accepted (or duplicate: a repeated delivery changes nothing), 401 failed authentication (nothing
stored), 400 malformed body, 413 oversized body, 503 when the database is down. Never 500 for any input.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpResponse, UnreadablePostError
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed, ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from integration_server.connection_reuse import skip_health_check_for_this_request
from integration_server.crypto import DecryptionError
from integration_server.json_bodies import parse_json_body
from integration_server.raw_payloads import ingest_webhook_payload, webhook_kind

log = logging.getLogger(__name__)

# The 2xx answers, rendered once (DRF's renderer and negotiation are not needed for a constant body).
ACCEPTED = b'{"status":"accepted"}'
DUPLICATE = b'{"status":"duplicate"}'


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
    except UnreadablePostError as exc:  # the client stopped sending (or too slowly: slow_body)
        raise ParseError("body not received") from exc
    if len(body) > limit:
        raise PayloadTooLarge()
    return body


def header(request, name: str, default: str = "") -> str:
    """A request header, read from ``META`` without building Django's ``request.headers`` for every delivery
    (a webhook reads two or three of them)."""
    return request.META.get("HTTP_" + name.upper().replace("-", "_"), default)


class WebhookSignatureAuthentication(BaseAuthentication):
    """Reads the raw body before any parsing and asks the view's ``verify`` about it."""

    def authenticate(self, request):
        view = request.parser_context["view"]
        body = read_raw_body(request._request, view.max_body_bytes)
        try:
            ok = view.verify(request._request, body, **request.parser_context.get("kwargs", {}))
        except (DatabaseError, DecryptionError):
            raise  # our failure, not the sender's: 503 (handle_exception), never 401
        except Exception:  # noqa: BLE001 - a malformed signature header is a failed authentication
            log.info("webhook.verify_error", extra={"source": view.source}, exc_info=True)
            ok = False
        if not ok:
            log.warning("webhook.unauthenticated", extra={"source": view.source})
            raise AuthenticationFailed("authentication failed")
        return (None, None)

    def authenticate_header(self, request):
        return 'Signature realm="webhook"'


class AlwaysJSON(BaseContentNegotiation):
    """A webhook answers JSON whatever the sender accepts: no Accept parsing per request."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class WebhookView(APIView):
    """Subclass per source: set ``source``, implement ``verify``; optionally ``delivery_id``, ``kind_of``,
    ``external_id``, ``is_relevant``. Processing is the outbox job ``webhook.<source>``, registered by the app
    with ``raw_payload_handler``."""

    source = ""
    authentication_classes = [WebhookSignatureAuthentication]
    permission_classes = [AllowAny]
    parser_classes = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJSON
    max_body_bytes = settings.WEBHOOK_MAX_BODY_BYTES

    # DRF makes these per request; for a webhook they are stateless and made once (less work per delivery).
    def get_authenticators(self):
        return _AUTHENTICATORS

    def get_permissions(self):
        return _PERMISSIONS

    def get_renderers(self):
        return _RENDERERS

    def get_throttles(self):
        return ()

    def verify(self, request, body: bytes, **kwargs) -> bool:
        raise NotImplementedError

    def parse(self, body: bytes):
        return parse_json_body(body)  # bounded: depth, NUL, surrogates, NaN, 64-bit integers

    def delivery_id(self, request, payload, body: bytes) -> str | None:
        return None  # None = a digest of the body

    def kind_of(self, request, payload) -> str:
        return ""

    def external_id(self, payload) -> str:
        return ""

    def is_relevant(self, request, payload) -> bool:
        return True

    def handle_exception(self, exc):
        if isinstance(exc, DecryptionError):
            # A stored secret or payload does not decrypt: a wrong or missing ENCRYPTION_KEYS entry. The
            # sender is not at fault; 503 makes it retry once the keys are fixed (/healthz shows it too).
            log.error("webhook.decrypt_failed", extra={"source": self.source, "error": str(exc)})
            return Response({"error": "temporarily unavailable"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return super().handle_exception(exc)

    @property
    def job_kind(self) -> str:
        return webhook_kind(self.source)

    def dispatch(self, request, *args, **kwargs):
        skip_health_check_for_this_request()
        return super().dispatch(request, *args, **kwargs)

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
            created = ingest_webhook_payload(
                self.source,
                body,
                job_kind=self.job_kind,
                relevant=relevant,
                delivery_id=delivery,
                kind=kind,
                external_id=external,
            )
        except DatabaseError:
            log.exception("webhook.store_failed", extra={"source": self.source})
            return Response({"error": "temporarily unavailable"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        # Each delivery is in the access log and a raw payload row (kind, state): no second log line.
        log.debug(
            "webhook.received",
            extra={"source": self.source, "kind": kind, "duplicate": not created, "relevant": relevant},
        )
        return HttpResponse(ACCEPTED if created else DUPLICATE, content_type="application/json")


_AUTHENTICATORS = (WebhookSignatureAuthentication(),)
_PERMISSIONS = (AllowAny(),)
_RENDERERS = (JSONRenderer(),)
