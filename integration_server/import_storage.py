"""Where an admin import (django-import-export) keeps the uploaded file between "preview" and "confirm".

A private folder (``IMPORT_TMP_DIR``, 0700; files 0600) instead of the shared system temp directory, and
the confirm step's file name must be one this storage gave out (32 hex characters): a forged name is a
SuspiciousFileOperation (400), so no other file can be imported or deleted through the confirm form. A
preview never confirmed leaves its file: the daily ``purge-import-files`` schedule deletes those older than
a day."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from import_export.tmp_storages import MediaStorage

_NAME = re.compile(r"[0-9a-f]{32}")


class PrivateImportStorage(MediaStorage):
    def __init__(self, **kwargs):
        name = kwargs.get("name")
        if name is not None and not _NAME.fullmatch(str(name)):
            raise SuspiciousFileOperation("The import file name is not one this server gave out.")
        super().__init__(**{**kwargs, "MEDIA_FOLDER": None})

    def _configure_storage(self):
        location = str(settings.IMPORT_TMP_DIR)
        os.makedirs(location, mode=0o700, exist_ok=True)
        os.chmod(location, 0o700)
        self._storage = FileSystemStorage(
            location=location, file_permissions_mode=0o600, directory_permissions_mode=0o700
        )


def purge_stale_import_files(older_than_hours: float = 24, *, now: float | None = None) -> int:
    """Delete the waiting import files (names this storage gives out) older than ``older_than_hours``.
    Returns how many were deleted."""
    folder = Path(settings.IMPORT_TMP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = (now or time.time()) - older_than_hours * 3600
    deleted = 0
    for path in folder.iterdir():
        try:
            if _NAME.fullmatch(path.name) and path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # confirmed (and deleted) meanwhile
            continue
    return deleted
