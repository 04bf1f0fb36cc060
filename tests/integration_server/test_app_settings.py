"""Every app setting is read through django.conf.settings: override_settings changes it at the next read,
and each one is documented in .env.example."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.test import override_settings

CONF_MODULES = [
    "marketplaces.conf",
    "inventory.conf",
    "logistics.shipstation.conf",
    "logistics.shopify.conf",
    "logistics.tracking.conf",
    "logistics.eccang.conf",
    "notifications.conf",
    "alerts.conf",
]
SETTINGS = [(module, name) for module in CONF_MODULES for name in importlib.import_module(module).DEFAULTS]


def _other_value(value):
    if isinstance(value, bool):
        return not value
    return "overridden" if isinstance(value, str) else value + 1


@pytest.mark.parametrize(("module", "name"), SETTINGS)
def test_override_settings_changes_the_value_read_by_the_app(module, name):
    conf = importlib.import_module(module)
    other = _other_value(getattr(conf, name))
    with override_settings(**{name: other}):
        assert getattr(conf, name) == other
    assert getattr(conf, name) != other


def test_every_app_setting_is_documented_in_env_example():
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    documented = {line.lstrip("# ").split("=", 1)[0] for line in example.splitlines() if "=" in line}
    assert not {name for _, name in SETTINGS} - documented


def test_an_unknown_setting_is_an_attribute_error():
    conf = importlib.import_module("marketplaces.conf")
    with pytest.raises(AttributeError):
        conf.NO_SUCH_SETTING  # noqa: B018
