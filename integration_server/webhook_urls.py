"""Inbound webhooks of every app, mounted under /webhook/. Each app lists its own in <app>/urls.py."""

from importlib import import_module

from django.urls import include, path

urlpatterns = []
for _app in ("marketplaces", "inventory", "logistics", "notifications", "alerts"):
    try:
        _module = import_module(f"{_app}.webhook_urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"{_app}.webhook_urls":
            raise
        continue
    urlpatterns.append(path("", include(_module)))
