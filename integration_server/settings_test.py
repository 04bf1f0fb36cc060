"""Test settings: PostgreSQL (DATABASE_URL, default the local server), tasks inline, fixed keys."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/integration_server")
os.environ.setdefault("ENCRYPTION_KEYS", "dGVzdC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=")
os.environ.setdefault("LOOKUP_HASH_KEY", "test-lookup-hash-key")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from integration_server.settings import *  # noqa: E402,F403
from integration_server.settings import Q_CLUSTER  # noqa: E402

Q_CLUSTER = {**Q_CLUSTER, "sync": True}
if Q_CLUSTER.get("redis"):  # a queue of our own on a shared Redis: parallel test processes never meet
    Q_CLUSTER["name"] = f"integration-server-test-{os.getpid()}"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
HTTP_PACING_ENABLED = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test client sends it (tests/conftest.py), so tests read /healthz's detail as ops would.
HEALTHZ_DETAIL_TOKEN = "test-health-token"
