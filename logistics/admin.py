"""Ops UI of the logistics app."""

from logistics.tracking import admin as tracking_admin  # noqa: E402,F401 - also registers the Shopify admin
