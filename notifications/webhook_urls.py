"""The email provider's tracking webhook: anymail's own view of the one configured ESP
(/webhook/anymail/<esp>/tracking/), protected by ANYMAIL["WEBHOOK_SECRET"] (HTTP Basic); its events reach
us through anymail's ``tracking`` signal. Other ESPs' URLs, inbound URLs, and the configured one without a
secret answer 404 (anymail would otherwise accept unauthenticated posts, or fail with 500 before auth)."""

from anymail.urls import urlpatterns as anymail_patterns
from django.http import Http404
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from notifications import conf

TRACKING_VIEWS = {
    p.name.removesuffix("_tracking_webhook"): p.callback
    for p in anymail_patterns
    if p.name and p.name.endswith("_tracking_webhook")
}


@csrf_exempt
def esp_tracking_webhook(request, esp: str):
    view = TRACKING_VIEWS.get(esp)
    if view is None or esp != conf.tracking_esp() or not conf.webhook_secret():
        raise Http404("no such webhook")
    return view(request)


urlpatterns = [path("anymail/<str:esp>/tracking/", esp_tracking_webhook, name="anymail-tracking")]
