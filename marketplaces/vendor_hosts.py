"""Each channel's hosts, for its accounts' base-URL overrides (integration_server.vendor_hosts)."""

from __future__ import annotations

# Mirakl: every operator instance is its own host under mirakl.net; an operator on its own domain is listed in
# ALLOWED_VENDOR_HOSTS_EXTRA.
MIRAKL_HOSTS = (".mirakl.net",)


def hosts_for(channel: str) -> tuple[dict[str, tuple[str, ...]], str]:
    """({field: hosts} for api_base_url and auth_base_url, the vendor's name) of a channel."""
    from marketplaces.clients import amazon, ebay, rithum

    rules = {
        "amazon": ({"api_base_url": amazon.API_HOSTS, "auth_base_url": amazon.AUTH_HOSTS}, "Amazon"),
        "ebay": ({"api_base_url": ebay.API_HOSTS, "auth_base_url": ebay.API_HOSTS}, "eBay"),
        "rithum": ({"api_base_url": rithum.API_HOSTS, "auth_base_url": rithum.API_HOSTS}, "Rithum"),
        "mirakl": ({"api_base_url": MIRAKL_HOSTS, "auth_base_url": MIRAKL_HOSTS}, "Mirakl"),
    }
    return rules.get(channel, ({"api_base_url": (), "auth_base_url": ()}, channel or "vendor"))
