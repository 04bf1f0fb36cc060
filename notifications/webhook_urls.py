"""The email provider's tracking webhook: anymail's own view of the one configured ESP
(/webhook/anymail/<esp>/tracking/), protected by ANYMAIL["WEBHOOK_SECRET"] (HTTP Basic); its events reach
us through anymail's ``tracking`` signal. Other ESPs' URLs, inbound URLs, and the configured one without a
secret answer 404 (anymail would otherwise accept unauthenticated posts, or fail with 500 before auth)."""

import base64
import logging

from anymail.urls import urlpatterns as anymail_patterns
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from integration_server.json_bodies import parse_json_body
from integration_server.webhooks import constant_time_equals
from notifications import conf

log = logging.getLogger(__name__)

TRACKING_VIEWS = {
    p.name.removesuffix("_tracking_webhook"): p.callback
    for p in anymail_patterns
    if p.name and p.name.endswith("_tracking_webhook")
}


def _authorized(request) -> bool:
    secrets = conf.webhook_secret()
    secrets = [secrets] if isinstance(secrets, str) else list(secrets)
    given = request.headers.get("Authorization", "").encode()
    return any(
        constant_time_equals(given, b"Basic " + base64.b64encode(secret.encode())) for secret in secrets
    )


@csrf_exempt
def esp_tracking_webhook(request, esp: str):
    view = TRACKING_VIEWS.get(esp)
    if view is None or esp != conf.tracking_esp() or not conf.webhook_secret():
        raise Http404("no such webhook")
    # Authentication first, then a bounded parse, then anymail's own view (which checks the secret again).
    if not _authorized(request):
        return JsonResponse({"error": "authentication failed"}, status=401)
    if request.content_type == "application/json":
        try:
            parse_json_body(request.body)
        except ValueError:
            return JsonResponse({"error": "malformed body"}, status=400)
    try:
        return view(request)
    except DatabaseError:
        log.exception("anymail.webhook_store_failed", extra={"esp": esp})
        return JsonResponse({"error": "temporarily unavailable"}, status=503)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        # an ESP event whose fields have unexpected types: anymail's parser gives up on it
        log.warning("anymail.webhook_unexpected_shape", extra={"esp": esp})
        return JsonResponse({"error": "unexpected body shape"}, status=400)


urlpatterns = [path("anymail/<str:esp>/tracking/", esp_tracking_webhook, name="anymail-tracking")]
