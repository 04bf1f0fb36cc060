"""Mounted under /webhook/ by integration_server.webhook_urls."""

from django.urls import path

from logistics.shipstation.webhooks import ShipStationWebhookView

urlpatterns = [
    path("shipstation/<str:secret>", ShipStationWebhookView.as_view(), name="shipstation-webhook"),
]
