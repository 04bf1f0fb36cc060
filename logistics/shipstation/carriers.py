"""ShipStation carrier codes -> each marketplace's carrier codes. Admin rows (CarrierCodeMapping) win over
these defaults; an unknown carrier goes as the marketplace's "other carrier" code plus a readable name."""

from __future__ import annotations

DEFAULT_CARRIER_CODES: dict[str, dict[str, str]] = {
    "amazon": {
        "fedex": "FedEx",
        "fedex_uk": "FedEx",
        "ups": "UPS",
        "ups_walleted": "UPS",
        "stamps_com": "USPS",
        "usps": "USPS",
        "endicia": "USPS",
        "dhl_express": "DHL",
        "dhl_express_worldwide": "DHL",
        "dhl_express_uk": "DHL",
        "dhl_ecommerce": "DHL eCommerce",
        "dhl_global_mail": "DHL eCommerce",
        "ontrac": "OnTrac",
        "canada_post": "Canada Post",
        "royal_mail": "Royal Mail",
        "australia_post": "Australia Post",
        "amazon_shipping": "Amazon Shipping",
        "amazon_buy_shipping": "Amazon Shipping",
    },
    "ebay": {
        "fedex": "FedEx",
        "ups": "UPS",
        "stamps_com": "USPS",
        "usps": "USPS",
        "dhl_express": "DHL",
        "dhl_express_worldwide": "DHL",
        "ontrac": "OnTrac",
        "canada_post": "CanadaPost",
        "royal_mail": "RoyalMail",
    },
}
OTHER_CODE = {"amazon": "Other", "ebay": "Other", "mirakl": "other", "rithum": "OTHER"}
READABLE_NAMES = {
    "stamps_com": "USPS",
    "usps": "USPS",
    "endicia": "USPS",
    "fedex": "FedEx",
    "ups": "UPS",
    "ups_walleted": "UPS",
    "dhl_express": "DHL Express",
    "dhl_express_worldwide": "DHL Express",
    "dhl_ecommerce": "DHL eCommerce",
    "dhl_global_mail": "DHL eCommerce",
    "ontrac": "OnTrac",
    "canada_post": "Canada Post",
    "royal_mail": "Royal Mail",
    "australia_post": "Australia Post",
}


def readable_carrier(shipstation_code: str) -> str:
    return READABLE_NAMES.get(shipstation_code) or shipstation_code.replace("_", " ").title() or "Unknown"


def map_carrier(
    channel: str, shipstation_code: str, override: tuple[str, str] | None = None
) -> tuple[str, str]:
    """-> (marketplace carrier code, carrier name). ``override`` = an admin row's (code, name)."""
    code = (shipstation_code or "").lower()
    if override and override[0]:
        name = override[1] or (
            readable_carrier(code) if override[0] == OTHER_CODE.get(channel, "Other") else ""
        )
        return override[0], name
    mapped = DEFAULT_CARRIER_CODES.get(channel, {}).get(code)
    if mapped:
        return mapped, ""
    return OTHER_CODE.get(channel, "Other"), readable_carrier(code)
