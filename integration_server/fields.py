"""Model fields whose values are stored encrypted (see integration_server.crypto).

We own these few fields rather than use django-encrypted-model-fields: that package encrypts with Fernet
(AES-128) and returns the ciphertext as the value when a key is wrong; SPEC 7 wants AES-256 and a loud failure.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from integration_server import crypto


class EncryptedFieldMixin:
    """Encrypts on the way to the database, decrypts on the way back. Lookups other than isnull are
    meaningless on ciphertext (random nonce), so query by a companion hash field instead."""

    encrypted = True

    def get_internal_type(self):
        return "TextField"

    def to_plain(self, value):  # pragma: no cover - overridden
        raise NotImplementedError

    def from_plain(self, text):  # pragma: no cover - overridden
        raise NotImplementedError

    def get_prep_value(self, value):
        if value is None:
            return None
        return crypto.encrypt_text(self.to_plain(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_plain(crypto.decrypt_text(value))


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    def to_plain(self, value):
        return str(value)

    def from_plain(self, text):
        return text


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """A JSON document stored as one encrypted text value."""

    def to_plain(self, value):
        return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))

    def from_plain(self, text):
        return json.loads(text)

    def to_python(self, value):
        if isinstance(value, str) and value and value[0] in "[{":
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def value_to_string(self, obj):
        return self.to_plain(self.value_from_object(obj))

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


class EncryptedBinaryField(EncryptedFieldMixin, models.TextField):
    """Raw bytes (webhook bodies) stored encrypted."""

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = value.encode("utf-8")
        return crypto.encrypt_bytes(bytes(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return crypto.decrypt_bytes(value)

    def to_python(self, value):
        return value


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
