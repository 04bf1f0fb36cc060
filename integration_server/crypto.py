"""AES-256-GCM encryption of values at rest, with key rotation.

A ciphertext is ``enc1:<key id>:<base64url(nonce | ciphertext | tag)>``. The first key of
``settings.ENCRYPTION_KEYS`` encrypts; every listed key decrypts. A value that is not a ciphertext of ours,
or does not decrypt with the key it names, raises ``DecryptionError``: it is never handed back as if it
were the plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted (wrong or missing key, or tampered data)."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]  # (key id, 32-byte key), newest first

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise DecryptionError(f"no encryption key with id {key_id!r} is configured")


def key_id_for(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("ENCRYPTION_KEYS holds a value that is not base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("each ENCRYPTION_KEYS entry must be 32 bytes (AES-256), base64-encoded")
    return key


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@lru_cache(maxsize=8)
def _keyring_for(raw_keys: tuple[str, ...], secret_key: str, debug: bool) -> Keyring:
    keys = [parse_key(k) for k in raw_keys if k.strip()]
    if not keys:
        if not debug:
            raise ImproperlyConfigured("ENCRYPTION_KEYS is required outside DEBUG")
        keys = [hashlib.sha256(("debug-encryption:" + secret_key).encode()).digest()]
    return Keyring(tuple((key_id_for(k), k) for k in keys))


def keyring() -> Keyring:
    return _keyring_for(tuple(settings.ENCRYPTION_KEYS), settings.SECRET_KEY, settings.DEBUG)


def is_ciphertext(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def key_id_of(ciphertext: str) -> str:
    return ciphertext.split(":", 2)[1]


def encrypt_bytes(plaintext: bytes, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    key_id, key = ring.keys[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext, key_id.encode())
    return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt_bytes(ciphertext: str, ring: Keyring | None = None) -> bytes:
    if not is_ciphertext(ciphertext):
        raise DecryptionError("value is not an encrypted value of this service")
    try:
        _, key_id, body = ciphertext.split(":", 2)
        blob = base64.urlsafe_b64decode(body)
    except (ValueError, TypeError) as exc:
        raise DecryptionError("encrypted value is malformed") from exc
    key = (ring or keyring()).key(key_id)
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], key_id.encode())
    except InvalidTag as exc:
        raise DecryptionError(f"encrypted value does not decrypt with key {key_id}") from exc


def encrypt_text(plaintext: str) -> str:
    return encrypt_bytes(plaintext.encode("utf-8"))


def decrypt_text(ciphertext: str) -> str:
    return decrypt_bytes(ciphertext).decode("utf-8")


def lookup_hash(value: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised value, to find rows by an encrypted field."""
    key = settings.LOOKUP_HASH_KEY or ("debug-lookup:" + settings.SECRET_KEY)
    normalised = value.strip().lower()
    return hmac.new(key.encode(), normalised.encode("utf-8"), hashlib.sha256).hexdigest()
