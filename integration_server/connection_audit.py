"""The record of who changed a vendor account's base URLs or credentials (``ConnectionChange``).

``ConnectionAuditMixin`` goes first in the bases of an account's ModelAdmin whose form is a
``WriteOnlySecretsForm``: on save it records each URL field that changed (old -> new scheme://host:port) and each
secret replaced (by name: set / replaced / cleared; for a JSON of credentials, each key). Values of secrets are
never read into the record."""

from __future__ import annotations

from django.db import models

from integration_server.models import ConnectionChange
from integration_server.vendor_hosts import origin


def _state(value) -> str:
    return "set" if value else "none"


def _secret_changes(form) -> list[tuple[str, str, str]]:
    rows = []
    for name, previous in getattr(form, "changed_secrets", {}).items():
        current = form._secret_values.get(name)
        if isinstance(previous, dict) or isinstance(current, dict):
            old, new = previous or {}, current or {}
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    rows.append(
                        (f"{name}.{key}", _state(old.get(key)), _new_state(old.get(key), new.get(key)))
                    )
        else:
            rows.append((name, _state(previous), _new_state(previous, current)))
    return rows


def _new_state(previous, current) -> str:
    if not current:
        return "cleared"
    return "replaced" if previous else "set"


def connection_changes(form) -> list[tuple[str, str, str, str]]:
    """(kind, field, old, new) of a bound, valid form, before it is saved."""
    model = form._meta.model
    url_fields = [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.URLField) and f.name in form.cleaned_data
    ] + [name for name in getattr(model, "audited_host_fields", ()) if name in form.cleaned_data]
    rows = []
    for name in url_fields:
        old = origin(str(form.initial.get(name) or "")) if form.instance.pk else ""
        new = origin(str(form.cleaned_data.get(name) or ""))
        if old != new:
            rows.append((ConnectionChange.Kind.BASE_URL, name, old or "(default)", new or "(default)"))
    rows += [(ConnectionChange.Kind.CREDENTIAL, *row) for row in _secret_changes(form)]
    return rows


def record(rows, obj, user) -> None:
    ConnectionChange.objects.bulk_create(
        ConnectionChange(
            changed_by=(user.get_username() if user is not None else "")[:150],
            account_type=obj._meta.label_lower,
            account_id=str(obj.pk),
            account=str(getattr(obj, "name", "") or obj)[:200],
            kind=kind,
            field=field[:100],
            old_value=old[:300],
            new_value=new[:300],
        )
        for kind, field, old, new in rows
    )


class ConnectionAuditMixin:
    def save_model(self, request, obj, form, change):
        rows = connection_changes(form)
        super().save_model(request, obj, form, change)
        if rows:
            record(rows, obj, request.user)
