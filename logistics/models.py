"""Models of the logistics app, one module per vendor package (<vendor>/models.py); each is imported here so
Django finds it and ``from logistics.models import X`` keeps working."""

from logistics.eccang.models import *  # noqa: F401,F403
from logistics.shipstation.models import *  # noqa: F401,F403
from logistics.shopify.models import *  # noqa: F401,F403
from logistics.tracking.models import *  # noqa: F401,F403
