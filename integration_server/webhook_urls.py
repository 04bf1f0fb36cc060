"""Inbound webhooks, mounted under /webhook/: each app of this repository that has a ``webhook_urls``
module lists its own ``urlpatterns`` there."""

from importlib import import_module
from importlib.util import find_spec

from django.urls import include, path

from integration_server.project_apps import project_app_configs

urlpatterns = [
    path("", include(import_module(f"{config.name}.webhook_urls")))
    for config in project_app_configs()
    if config.name != "integration_server" and find_spec(f"{config.name}.webhook_urls") is not None
]
