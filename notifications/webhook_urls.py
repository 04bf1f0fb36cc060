"""The email provider's tracking webhooks: anymail's own views (/webhook/anymail/<esp>/tracking/), protected
by ANYMAIL["WEBHOOK_SECRET"] (HTTP Basic); their events reach us through the ``tracking`` signal."""

from django.urls import include, path

urlpatterns = [path("anymail/", include("anymail.urls"))]
