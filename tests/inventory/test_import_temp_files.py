"""Overrides import: the uploaded file waits for the confirm step in a private folder (0700, file 0600), and the
confirm step can only name such a file (a random hex name), never another file of the machine."""

from __future__ import annotations

import stat
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import SkuRatioOverride

GOOD = "sku,account,ratio,note\nOK-1,Amazon US,0.4,\n"


def _upload(admin_client):
    upload = SimpleUploadedFile("overrides.csv", GOOD.encode(), content_type="text/csv")
    response = admin_client.post(
        reverse("admin:inventory_skuratiooverride_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    return response.context["confirm_form"].initial


def test_the_upload_waits_in_a_private_folder(accounts, admin_client):
    initial = _upload(admin_client)
    name = initial["import_file_name"]
    stored = Path(settings.IMPORT_TMP_DIR) / name
    assert stored.is_file()
    # not loose in the shared system temp folder (the repository itself may live under /tmp)
    assert stored.parent.resolve() != Path(tempfile.gettempdir()).resolve()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(settings.IMPORT_TMP_DIR).stat().st_mode) == 0o700
    confirm = admin_client.post(reverse("admin:inventory_skuratiooverride_process_import"), initial)
    assert confirm.status_code == 302
    assert SkuRatioOverride.objects.count() == 1
    assert not stored.exists()  # removed once imported


@pytest.mark.parametrize("where", ["system temp", "private folder, other name", "path"])
def test_the_confirm_step_cannot_name_another_file(accounts, admin_client, where):
    initial = _upload(admin_client)
    if where == "system temp":
        folder, name = Path(tempfile.gettempdir()), f"victim-{uuid.uuid4().hex}.csv"
    elif where == "private folder, other name":
        folder, name = Path(settings.IMPORT_TMP_DIR), f"victim-{uuid.uuid4().hex}"
    else:
        folder, name = Path(settings.IMPORT_TMP_DIR), None
    victim = folder / (name or f"{uuid.uuid4().hex}.csv")
    victim.write_text("sku,account,ratio,note\nEVIL,Amazon US,1.5,\n")
    try:
        forged = {
            **initial,
            "import_file_name": name or f"../{Path(settings.IMPORT_TMP_DIR).name}/{victim.name}",
        }
        response = admin_client.post(reverse("admin:inventory_skuratiooverride_process_import"), forged)
        assert response.status_code == 400
        assert victim.exists()
        assert not SkuRatioOverride.objects.filter(sku="EVIL").exists()
    finally:
        victim.unlink(missing_ok=True)


def test_an_import_never_confirmed_is_deleted_a_day_later(accounts, admin_client):
    """A preview the operator walked away from does not leave its file behind for ever: the daily schedule
    deletes waiting files older than a day (a file still within its day, and other files, stay)."""
    import os
    import time

    from integration_server.tasks import purge_import_files_task

    walked_away = Path(settings.IMPORT_TMP_DIR) / _upload(admin_client)["import_file_name"]
    waiting = Path(settings.IMPORT_TMP_DIR) / _upload(admin_client)["import_file_name"]
    other = Path(settings.IMPORT_TMP_DIR) / "README-not-an-import"
    other.write_text("kept")
    day_and_a_bit = time.time() - 25 * 3600
    os.utime(walked_away, (day_and_a_bit, day_and_a_bit))
    os.utime(other, (day_and_a_bit, day_and_a_bit))
    try:
        assert purge_import_files_task() >= 1
        assert not walked_away.exists()
        assert waiting.exists() and other.exists()
    finally:
        other.unlink()
