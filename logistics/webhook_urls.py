"""The webhooks of every logistics vendor, mounted by the kernel under /webhook/."""

from django.urls import include, path

urlpatterns = [
    path("", include(f"logistics.{vendor}.webhook_urls"))
    for vendor in ("shipstation", "shopify", "tracking", "eccang")
]
