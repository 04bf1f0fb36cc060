"""The 17TRACK push signature (pure): header ``sign`` = hex SHA-256 of raw body + "/" + API key.

Not an HMAC (reference/17track.md; unconfirmed by 17TRACK's own pages): if their rule differs, only this
module changes.
"""

from __future__ import annotations

import hashlib
import hmac


def push_signature(body: bytes, api_key: str) -> str:
    return hashlib.sha256(body + b"/" + api_key.encode("utf-8")).hexdigest()


def signature_matches(body: bytes, sign: str, api_keys: list[str]) -> bool:
    given = (sign or "").strip().lower().encode()
    if not given:
        return False
    ok = False
    for key in api_keys:
        ok |= hmac.compare_digest(push_signature(body, key).encode(), given)
    return ok
