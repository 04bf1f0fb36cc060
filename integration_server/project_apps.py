"""The apps of this repository (kernel included), found from INSTALLED_APPS: the kernel never names them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings


@cache
def project_app_configs() -> tuple[AppConfig, ...]:
    """Installed apps whose code lives in this repository (not in a virtualenv), in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR).resolve()
    return tuple(
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and "site-packages" not in Path(config.path).parts
    )


def is_project_module(module: str) -> bool:
    """Whether ``module`` (a dotted name) belongs to one of this repository's apps."""
    return any(module == c.name or module.startswith(c.name + ".") for c in project_app_configs())
