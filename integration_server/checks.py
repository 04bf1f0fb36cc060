"""System checks that refuse to start on unsafe settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"}


@register(Tags.security, deploy=False)
def check_safe_settings(app_configs, **kwargs):
    errors = []
    q = settings.Q_CLUSTER
    if q.get("retry", 0) <= q.get("timeout", 0):
        errors.append(
            Error(
                "Q_CLUSTER retry must be greater than timeout (retry is a lease: a task still running when it "
                "ends is handed to another worker).",
                hint="Set Q_RETRY above Q_TIMEOUT, e.g. timeout 90, retry 300.",
                id="integration_server.E001",
            )
        )
    if not settings.DEBUG and not settings.ENCRYPTION_KEYS:
        errors.append(
            Error(
                "ENCRYPTION_KEYS is not set: credentials and personal data cannot be encrypted.",
                hint="Generate one with: python manage.py generate_encryption_key",
                id="integration_server.E002",
            )
        )
    if not settings.DEBUG and not settings.LOOKUP_HASH_KEY:
        errors.append(Error("LOOKUP_HASH_KEY is not set.", id="integration_server.E003"))
    if not settings.DEBUG and not settings.SECRET_KEY:
        errors.append(Error("SECRET_KEY is not set.", id="integration_server.E004"))
    public = [h for h in settings.ALLOWED_HOSTS if h not in LOCAL_HOSTS]
    if settings.DEBUG and public:
        errors.append(
            Error(
                f"DEBUG is on while ALLOWED_HOSTS names public hosts ({', '.join(public)}).",
                hint="Turn DEBUG off in production.",
                id="integration_server.E005",
            )
        )
    try:
        from integration_server.crypto import keyring

        keyring()
    except Exception as exc:  # noqa: BLE001
        errors.append(Error(f"ENCRYPTION_KEYS is invalid: {exc}", id="integration_server.E006"))
    return errors


@register(Tags.database)
def check_keys_decrypt_stored_data(app_configs=None, databases=None, **kwargs):
    """Run with the database (``manage.py check --database default``, and by the web process at start-up):
    the keys must open the values already stored."""
    if not databases:
        return []
    from django.db import DatabaseError

    from integration_server.key_check import encryption_key_problems

    try:
        problems = encryption_key_problems()
    except DatabaseError:
        return []  # not migrated yet, or down: nothing to judge
    return [
        Error(
            problem,
            hint="ENCRYPTION_KEYS must list the key that encrypted the data (new key first, old keys after).",
            id="integration_server.E007",
        )
        for problem in problems
    ]
