"""Each app's settings, read through ``django.conf.settings`` so that ``override_settings`` works for all.

An app's ``conf.py`` declares its settings with their defaults; the type of the default says how the
environment variable of the same name is parsed (int, float, bool, str). A value in the Django settings wins
over both, so ``settings.X`` in a settings module and ``override_settings(X=...)`` in a test take effect at
the next read. Modules read ``conf.X`` at the point of use, never ``from conf import X`` at import.

    DEFAULTS = {"ORDERS_FIRST_PULL_DAYS": 3}   # in <app>/conf.py
    __getattr__ = app_settings(DEFAULTS)
"""

from __future__ import annotations

from collections.abc import Callable

import environ
from django.conf import settings

_env = environ.Env()
_CASTS = {bool: _env.bool, int: _env.int, float: _env.float, str: _env.str}


def app_settings(defaults: dict[str, bool | int | float | str]) -> Callable[[str], object]:
    """A module ``__getattr__``: ``conf.NAME`` = Django setting NAME, else env NAME, else the default."""
    from_env = {name: _CASTS[type(default)](name, default=default) for name, default in defaults.items()}

    def __getattr__(name: str):
        if name not in from_env:
            raise AttributeError(name)
        return getattr(settings, name, from_env[name])

    return __getattr__
