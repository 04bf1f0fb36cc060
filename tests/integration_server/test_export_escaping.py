"""Spreadsheet exports (overrides, notifications) never hand a formula to Excel: a cell that starts with
=, +, -, @, tab or CR is written as text ("'" in front), in CSV and in XLSX (no cell of type formula)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

pytestmark = pytest.mark.django_db

NASTY = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|x", "\t=1+1"]


def _export_form_data(response, fmt: str) -> dict:
    """The export page's form filled in: every field column ticked, the format chosen by name."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        if name == "format":
            data[name] = next(value for value, label in field.choices if label.lower() == fmt)
        elif name == "resource":
            data[name] = "0"
        elif name == "export_items":
            data[name] = [str(v) for v in (form.initial.get("export_items") or [])]
        elif field.__class__.__name__ == "BooleanField":
            data[name] = "on"
    return data


def _cells(blob: bytes, fmt: str) -> list:
    if fmt == "csv":
        return [cell for row in csv.reader(io.StringIO(blob.decode("utf-8-sig"))) for cell in row]
    sheet = openpyxl.load_workbook(io.BytesIO(blob)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell in the XLSX"
    return [c.value for c in cells]


def _assert_escaped(cells: list) -> None:
    for value in NASTY:
        assert value not in cells
        assert "'" + value in cells


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_overrides_export_escapes_formulas(admin_client, fmt):
    from inventory.models import SkuRatioOverride
    from marketplaces.models import MarketplaceAccount

    account = MarketplaceAccount.objects.create(channel="amazon", name="=1+2")
    for i, text in enumerate(NASTY):
        SkuRatioOverride.objects.create(sku=text, account=account, ratio=Decimal("0.5"), note=NASTY[-1 - i])
    url = reverse("admin:inventory_skuratiooverride_export")
    response = admin_client.post(url, _export_form_data(admin_client.get(url), fmt))
    assert response.status_code == 200
    cells = _cells(response.content, fmt)
    _assert_escaped(cells)
    assert "'=1+2" in cells
    ratios = [c for c in cells if str(c).replace(".", "").isdigit()]
    assert ratios and all(Decimal(str(c)) == Decimal("0.5") for c in ratios)  # numbers stay numbers


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_notifications_export_is_import_export_with_escaping(admin_client, fmt):
    from integration_server.crypto import lookup_hash
    from notifications.models import Notification

    pks = []
    for i, text in enumerate(NASTY):
        pks.append(
            Notification.objects.create(
                kind="split_package",
                dedupe_key=f"export:{i}",
                recipient=f"buyer{i}@example.com",
                recipient_hash=lookup_hash(f"buyer{i}@example.com"),
                order_number=text,
                subject=NASTY[-1 - i],
                error="@bad" if i == 0 else "",
            ).pk
        )
    changelist = reverse("admin:notifications_notification_changelist")
    chosen = admin_client.post(
        changelist, {"action": "export_admin_action", ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]}
    )
    assert chosen.status_code == 200  # the export page: pick CSV or XLSX
    response = admin_client.post(
        reverse("admin:notifications_notification_export"), _export_form_data(chosen, fmt)
    )
    assert response.status_code == 200
    cells = _cells(response.content, fmt)
    _assert_escaped(cells)
    assert "'@bad" in cells
    assert "buyer0@example.com" in cells  # ops export the decrypted address (export_notification)
