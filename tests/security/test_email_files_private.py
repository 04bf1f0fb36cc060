"""Issue 10 point 14: emails written by the default file backend are private (0600), and the check warns
about the file backend outside DEBUG."""

from __future__ import annotations

import os
import stat

from django.core.mail import EmailMessage, get_connection

from notifications.checks import file_backend_in_production


def test_default_file_backend_writes_private_files(tmp_path, settings):
    from integration_server import settings as project_settings

    folder = tmp_path / "sent-emails"
    old = os.umask(0o022)
    try:
        connection = get_connection(project_settings.EMAIL_BACKEND, file_path=str(folder))
        EmailMessage(
            "Your parcel", "Dear Lee Example", "a@example.com", ["lee@example.com"], connection=connection
        ).send()
    finally:
        os.umask(old)
    [written] = list(folder.iterdir())
    assert "Dear Lee Example" in written.read_text()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_private_file_backend_outside_debug_warns(settings):
    from integration_server import settings as project_settings

    settings.DEBUG = False
    settings.EMAIL_BACKEND = project_settings.EMAIL_BACKEND
    assert [w.id for w in file_backend_in_production()] == ["notifications.W002"]
