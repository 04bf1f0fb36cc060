"""Models of the logistics app, one module per concern; each is imported here so Django finds it."""

from logistics.models.shopify import *  # noqa: E402,F403
from logistics.models.tracking import *  # noqa: E402,F403
