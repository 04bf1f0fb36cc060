"""Mounted under /webhook/ by integration_server.webhook_urls."""

from django.urls import path

from inventory.webhooks import ZohoItemWebhookView

urlpatterns = [
    path("zoho/<str:secret>", ZohoItemWebhookView.as_view(), name="zoho-webhook"),
]
