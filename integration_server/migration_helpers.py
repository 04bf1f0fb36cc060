"""Helpers for data migrations."""

from __future__ import annotations

from django.db.models import TextField
from django.db.models.functions import Cast

from integration_server.crypto import is_ciphertext

BATCH = 500


def encrypt_plaintext_values(model, field_name: str) -> int:
    """Encrypt in place the values of a field that has just become encrypted (the column still holds
    plaintext). Reads the raw column, writes through the field (which encrypts). Returns rows changed."""
    rows = (
        model._base_manager.annotate(_raw=Cast(field_name, TextField()))
        .exclude(_raw="")
        .exclude(_raw__isnull=True)
        .values_list("pk", "_raw")
        .order_by("pk")
    )
    changed = 0
    last_pk = 0
    while True:
        batch = list(rows.filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            return changed
        for pk, raw in batch:
            if not is_ciphertext(raw):
                model._base_manager.filter(pk=pk).update(**{field_name: raw})
                changed += 1
        last_pk = batch[-1][0]


def encrypting(app_label: str, model_name: str, *field_names: str):
    """A RunPython forward function encrypting ``field_names`` of one model."""

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for name in field_names:
            encrypt_plaintext_values(model, name)

    return forward
