"""Write-only secrets in admin forms, masked display of stored ones, and https:// as the assumed URL scheme.

A form lists its secrets in ``secret_fields``; each becomes an input that always starts empty (a stored value is
never rendered). Left blank, the stored value stays; a value typed replaces it. ``changed_secrets`` (after
validation) maps each replaced secret to its previous value, and ``secret_changed`` is called for each on save::

    class AccountForm(WriteOnlySecretsForm):
        secret_fields = ("api_key", Secret("webhook_secret", label="Webhook secret", keep_previous=True))

        class Meta:
            model = Account
            fields = ("name", "enabled")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.db import models
from django.forms.models import ModelFormMetaclass
from django.utils import timezone
from django.utils.html import format_html_join


def mask(value) -> str:
    """A stored secret as ops may see it: bullets, plus the last four characters of a long value."""
    text = str(value or "")
    return "(empty)" if not text else "••••" + (text[-4:] if len(text) > 12 else "")


def mask_all(pairs: Iterable[tuple[str, Any]]) -> str:
    """``name: ••••abcd, ...`` (escaped HTML) of (name, stored value) pairs, for a read-only admin field."""
    return format_html_join(", ", "{}: {}", ((name, mask(value)) for name, value in pairs))


# URL fields take web addresses only (Django's own check also lets ftp:// through).
HTTP_URL = URLValidator(
    schemes=["http", "https"], message="Enter an http:// or https:// address.", code="invalid_scheme"
)


def https_url_fields(field, **kwargs):
    """``Meta.formfield_callback``: URLs are read as https:// when no scheme is typed; http(s) only."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("validators", [HTTP_URL])
    return field.formfield(**kwargs)


# The same for ModelAdmin.formfield_overrides (the admin replaces the form's formfield_callback).
HTTPS_URL_OVERRIDES = {models.URLField: {"assume_scheme": "https", "validators": [HTTP_URL]}}


@dataclasses.dataclass(frozen=True)
class Secret:
    """One write-only secret of a form.

    ``name`` is the model attribute; the form input is named ``<secret_input_prefix><name>``. ``field`` replaces
    the default empty password input (e.g. an EmailField); ``merge(stored, entered)`` computes the new value
    instead of plain replacement. ``required_when_unset``: an error when left blank with nothing stored.
    ``clearable`` adds a ``clear_<name>`` checkbox that empties the stored value. ``keep_previous``: on a change
    the replaced value moves to ``previous_<name>`` and ``<name>_changed_at`` is set (a grace period for a
    rotated key)."""

    name: str
    label: str | None = None
    help_text: str = ""
    required_when_unset: bool = False
    clearable: bool = False
    keep_previous: bool = False
    field: forms.Field | None = None
    merge: Callable[[Any, Any], Any] | None = None
    input_name: str = ""

    def formfield(self) -> forms.Field:
        if self.field is not None:
            return self.field
        return forms.CharField(
            required=False,
            widget=forms.PasswordInput(render_value=False),
            label=self.label,
            help_text=self.help_text,
        )


class WriteOnlySecretsMetaclass(ModelFormMetaclass):
    """Declares the form fields of ``secret_fields`` (inputs first, then the ``clear_`` checkboxes)."""

    def __new__(mcs, name, bases, attrs):
        if attrs.get("secret_fields"):
            inherited = next((b.secret_input_prefix for b in bases if hasattr(b, "secret_input_prefix")), "")
            prefix = attrs.get("secret_input_prefix", inherited)
            specs = tuple(
                dataclasses.replace(s, input_name=s.input_name or prefix + s.name)
                for s in (s if isinstance(s, Secret) else Secret(s) for s in attrs["secret_fields"])
            )
            attrs["secret_fields"] = specs
            for spec in specs:
                attrs.setdefault(spec.input_name, spec.formfield())
            for spec in specs:
                if spec.clearable:
                    attrs.setdefault(f"clear_{spec.name}", forms.BooleanField(required=False))
        return super().__new__(mcs, name, bases, attrs)


class WriteOnlySecretsForm(forms.ModelForm, metaclass=WriteOnlySecretsMetaclass):
    """A ModelForm whose ``secret_fields`` (names or ``Secret``) are write-only; see the module docstring."""

    secret_fields: tuple = ()
    secret_input_prefix = ""
    # Replaces the help text of every secret input on the form of a saved object.
    stored_help_text: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_secrets = {s.name: getattr(self.instance, s.name, "") for s in self.secret_fields}
        self.changed_secrets: dict[str, Any] = {}
        self._secret_values: dict[str, Any] = {}
        for spec in self.secret_fields:
            self.initial.pop(spec.input_name, None)  # never the stored value, even as initial data
            if self.stored_help_text and self.instance.pk and spec.input_name in self.fields:
                self.fields[spec.input_name].help_text = self.stored_help_text

    def clean(self):
        cleaned = super().clean()
        self.changed_secrets, self._secret_values = {}, {}
        for spec in self.secret_fields:
            stored = self.stored_secrets[spec.name]
            entered = cleaned.get(spec.input_name)
            if entered:
                value = spec.merge(stored, entered) if spec.merge else entered
            elif spec.clearable and cleaned.get(f"clear_{spec.name}"):
                value = ""
            else:
                value = stored
            if spec.required_when_unset and not value:
                self.add_error(spec.input_name, "Required.")
                continue
            self._secret_values[spec.name] = value
            if value != stored:
                self.changed_secrets[spec.name] = stored
            if spec.input_name == spec.name:
                cleaned[spec.name] = value  # the admin lists the model field itself: it gets the kept value
        return cleaned

    def secret_changed(self, name: str, previous) -> None:
        """Called on save for each secret replaced; ``previous`` is the value it had ("" when none)."""
        spec = next(s for s in self.secret_fields if s.name == name)
        if spec.keep_previous and previous:
            setattr(self.instance, f"previous_{name}", previous)
            setattr(self.instance, f"{name}_changed_at", timezone.now())

    def save(self, commit=True):
        for name, value in self._secret_values.items():
            setattr(self.instance, name, value)
        for name, previous in self.changed_secrets.items():
            self.secret_changed(name, previous)
        return super().save(commit)
