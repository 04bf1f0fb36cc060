"""Inbound webhooks of every app, mounted under /webhook/. Each module lists its own ``urlpatterns``."""

from importlib import import_module

from django.urls import include, path

WEBHOOK_URL_MODULES = [
    "marketplaces.webhook_urls",
    "inventory.webhook_urls",
    "logistics.shipstation.webhook_urls",
    "logistics.shopify.webhook_urls",
    "logistics.tracking.webhook_urls",
    "logistics.eccang.webhook_urls",
    "notifications.webhook_urls",
    "alerts.webhook_urls",
]

urlpatterns = []
for _name in WEBHOOK_URL_MODULES:
    try:
        _module = import_module(_name)
    except ModuleNotFoundError as exc:
        if not _name.startswith(exc.name or "\0"):
            raise
        continue
    urlpatterns.append(path("", include(_module)))
