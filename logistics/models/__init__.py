"""Models of the logistics app, one module per concern; each is imported here so Django finds it."""

from logistics.models.eccang import *  # noqa: F401,F403
from logistics.models.shipstation import *  # noqa: F401,F403
from logistics.models.shopify import *  # noqa: F401,F403
from logistics.models.tracking import *  # noqa: F401,F403
