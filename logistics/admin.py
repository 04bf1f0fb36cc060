"""Ops UI of the logistics app."""

from logistics.eccang import admin as eccang_admin  # noqa: F401 - registers the Eccang admin
from logistics.shipstation import admin as shipstation_admin  # noqa: F401 - registers the ShipStation admin
from logistics.shopify import admin as shopify_admin  # noqa: F401 - registers the Shopify admin
from logistics.tracking import admin as tracking_admin  # noqa: F401 - registers the tracking admin
