import pytest
from django.db import connection
from django.test import override_settings

from integration_server import crypto
from integration_server.crypto import DecryptionError
from integration_server.models import RawPayload

OTHER_KEY = "b3RoZXIta2V5LTExMTExMTExMTExMTExMTExMTExMTE="


def test_round_trip_and_random_nonce():
    a = crypto.encrypt_text("hello")
    b = crypto.encrypt_text("hello")
    assert a != b
    assert a.startswith("enc1:")
    assert crypto.decrypt_text(a) == "hello"


def test_tampered_value_raises():
    value = crypto.encrypt_text("hello")
    tampered = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        crypto.decrypt_text(tampered)


def test_plaintext_is_not_returned_as_value():
    with pytest.raises(DecryptionError):
        crypto.decrypt_text("not encrypted")


@pytest.mark.django_db
def test_raw_column_holds_no_plaintext():
    row = RawPayload.objects.create(source="test", delivery_id="d1", body=b'{"email": "jane@example.com"}')
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM integration_server_rawpayload WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    assert "jane@example.com" not in stored
    assert stored.startswith("enc1:")
    assert RawPayload.objects.get(pk=row.pk).body == b'{"email": "jane@example.com"}'


@pytest.mark.django_db
def test_wrong_key_fails_loudly():
    RawPayload.objects.create(source="test", delivery_id="d2", body=b"secret")
    with override_settings(ENCRYPTION_KEYS=[OTHER_KEY]), pytest.raises(DecryptionError):
        RawPayload.objects.get(delivery_id="d2")


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_newest_key(settings):
    from django.core.management import call_command

    old_keys = list(settings.ENCRYPTION_KEYS)
    RawPayload.objects.create(source="test", delivery_id="d3", body=b"payload")
    settings.ENCRYPTION_KEYS = [OTHER_KEY, *old_keys]
    call_command("rotate_encryption_key")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM integration_server_rawpayload WHERE delivery_id = 'd3'")
        stored = cursor.fetchone()[0]
    new_id = crypto.key_id_for(crypto.parse_key(OTHER_KEY))
    assert crypto.key_id_of(stored) == new_id
    settings.ENCRYPTION_KEYS = [OTHER_KEY]  # the old key can now be removed
    assert RawPayload.objects.get(delivery_id="d3").body == b"payload"
