"""Inbound webhooks skip the browser's middleware.

A webhook is authenticated by the signature over its body (``integration_server.webhooks``); it never uses a
session, a CSRF token, a logged-in user, messages, model-history attribution, login lockouts, static files
or frame headers. ``WebhookFastPath`` sits right after the request-id and security middleware: a request
under ``/webhook/`` goes straight to its view, the rest of ``MIDDLEWARE`` runs for everything else: about a
third of a millisecond of CPU saved per delivery (measured in-process; ``bench/webhooks.py``). A webhook URL
is resolved once per process and URLconf (the few paths vendors post to; bounded), a few hundredths more.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import Resolver404, get_urlconf, resolve

WEBHOOK_PREFIX = "/webhook/"


@functools.lru_cache(maxsize=256)
def _resolved(path: str, urlconf: str):
    return resolve(path, urlconf)


class WebhookFastPath:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(WEBHOOK_PREFIX):
            return self.get_response(request)
        try:
            match = _resolved(request.path_info, get_urlconf() or settings.ROOT_URLCONF)
        except Resolver404:
            return self.get_response(request)  # Django's own 404 page, through the full stack
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):  # DRF's Response, as Django's handler would
            response = response.render()
        return response
