"""A webhook of the kind every vendor gets, for the base's tests: HMAC of the body in a header."""

import base64
import hashlib
import hmac

from django.urls import path

from integration_server.webhooks import WebhookView, constant_time_equals, header

SECRET = b"test-webhook-secret"


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()


class ExampleWebhook(WebhookView):
    source = "example"
    max_body_bytes = 10_000

    def verify(self, request, body, **kwargs):
        return constant_time_equals(header(request, "X-Signature"), sign(body))

    def delivery_id(self, request, payload, body):
        return header(request, "X-Delivery-Id") or None

    def kind_of(self, request, payload):
        return payload["topic"]

    def is_relevant(self, request, payload):
        return payload["topic"] != "ignored/topic"


urlpatterns = [path("webhook/example", ExampleWebhook.as_view())]
