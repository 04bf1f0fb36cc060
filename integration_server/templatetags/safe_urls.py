from django import template

from integration_server.safe_urls import http_url as _http_url

register = template.Library()


@register.filter
def http_url(value) -> str:
    """The URL if it is an absolute http(s) URL, else "" (no javascript: or data: links)."""
    return _http_url(value)
