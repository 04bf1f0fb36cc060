"""One connector per marketplace behind one interface; looked up by channel."""

from marketplaces.connectors.base import (
    ConnectionCheck,
    MarketplaceConnector,
    OrderPage,
    PulledOrder,
    PulledOrderLine,
    QuantityResult,
    QuantityUpdate,
    ShipmentConfirmation,
    connector_class,
    connector_for,
    register_connector,
)

__all__ = [
    "ConnectionCheck",
    "MarketplaceConnector",
    "OrderPage",
    "PulledOrder",
    "PulledOrderLine",
    "QuantityResult",
    "QuantityUpdate",
    "ShipmentConfirmation",
    "connector_class",
    "connector_for",
    "register_connector",
]
