"""Do the configured ENCRYPTION_KEYS open what the database holds? One value (the newest) of the first
encrypted field of each model is decrypted with the keyring: a missing or wrong key shows at start-up (the
web process refuses to start, like manage.py) and in /healthz, not as webhooks answered 401."""

from __future__ import annotations

import logging

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.models import TextField
from django.db.models.functions import Cast

from integration_server.crypto import DecryptionError, decrypt_bytes, keyring
from integration_server.fields import encrypted_fields

log = logging.getLogger(__name__)


def encryption_key_problems() -> list[str]:
    """Problems found (empty = every sampled value decrypts). Raises DatabaseError when the database
    cannot be read."""
    try:
        ring = keyring()
    except ImproperlyConfigured as exc:
        return [f"ENCRYPTION_KEYS: {exc}"]
    problems = []
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields:
            continue
        name = fields[0].name
        raw = (
            model._base_manager.filter(**{f"{name}__isnull": False})
            .order_by("-pk")
            .annotate(_ciphertext=Cast(name, TextField()))
            .values_list("_ciphertext", flat=True)
            .first()
        )
        if raw is None:
            continue
        try:
            decrypt_bytes(raw, ring)
        except DecryptionError as exc:
            problems.append(f"{model._meta.label}.{name} does not decrypt: {exc}")
    return problems


def health_section(now) -> dict:
    try:
        problems = encryption_key_problems()
    except DatabaseError:
        return {}  # the database section reports it
    if problems:
        log.error("encryption.keys_do_not_decrypt", extra={"problems": problems[:5]})
    return {
        "details": {"decrypt": "fail" if problems else "ok"},
        "problems": [f"encryption keys: {p}" for p in problems],
    }
