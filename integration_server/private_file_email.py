"""Django's file email backend, but the files (customer emails: names, addresses) are readable by the
service's user only: 0600 files in a 0700 folder it creates."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend


class PrivateFileEmailBackend(FileEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        from django.conf import settings

        folder = Path(file_path or getattr(settings, "EMAIL_FILE_PATH", "") or ".")
        existed = folder.exists()
        super().__init__(*args, file_path=file_path, **kwargs)
        if not existed:
            os.chmod(self.file_path, 0o700)

    def open(self):
        if self.stream is None:
            fd = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.stream = os.fdopen(fd, "ab")
            return True
        return False
