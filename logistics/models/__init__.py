"""Models of the logistics app, one module per concern; each is imported here so Django finds it."""

from logistics.models.shipstation import *  # noqa: E402,F401,F403
