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


FIXTURE_BODY = (
    __import__("pathlib").Path(__file__).resolve().parents[3]
    / "shared/fixtures/17track/webhook_tracking_updated.sample.json"
).read_bytes()


def _stored_body(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM integration_server_rawpayload WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_webhook_body_is_compressed_before_it_is_encrypted():
    """A JSON body is stored in far fewer bytes than it has (less to write, to log ahead and to back up), and
    reads back byte for byte."""
    row = RawPayload.objects.create(source="test", delivery_id="big", body=FIXTURE_BODY)
    stored = _stored_body(row.pk)
    assert len(stored) < len(FIXTURE_BODY) / 2
    assert b"TRACKING_UPDATED" not in stored.encode()
    assert RawPayload.objects.get(pk=row.pk).body == FIXTURE_BODY


@pytest.mark.django_db
def test_a_body_stored_before_compression_still_reads_back():
    row = RawPayload.objects.create(source="test", delivery_id="old", body=b"x")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integration_server_rawpayload SET body = %s WHERE id = %s",
            [crypto.encrypt_bytes(FIXTURE_BODY), row.pk],
        )
    assert RawPayload.objects.get(pk=row.pk).body == FIXTURE_BODY


def test_the_compression_mark_is_authenticated():
    """A compressed ciphertext relabelled as a plain one (or the reverse) does not decrypt."""
    packed = crypto.encrypt_bytes(FIXTURE_BODY, compress=True)
    prefix, rest = packed.split(":", 1)
    other = "enc1" if prefix != "enc1" else "enc1z"
    with pytest.raises(DecryptionError):
        crypto.decrypt_bytes(f"{other}:{rest}")
    plain = crypto.encrypt_bytes(FIXTURE_BODY)
    with pytest.raises(DecryptionError):
        crypto.decrypt_bytes("enc1z:" + plain.split(":", 1)[1])


def test_incompressible_bytes_are_not_compressed():
    import os

    noise = os.urandom(4000)
    assert crypto.decrypt_bytes(crypto.encrypt_bytes(noise, compress=True)) == noise
    assert crypto.encrypt_bytes(noise, compress=True).startswith("enc1:")
