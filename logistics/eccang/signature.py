"""The Eccang request signature (reference/eccang.md, source doc 7.2), as pure functions."""

from __future__ import annotations

import hashlib


def signing_string(params: dict, app_secret: str) -> str:
    """Every parameter but ``sign`` with a non-empty value, sorted by name, ``name=value`` joined by ``&``,
    then the secret appended with no separator. Values are used exactly as sent."""
    pairs = sorted(
        (name, value)
        for name, value in params.items()
        if name != "sign" and value is not None and str(value) != ""
    )
    return "&".join(f"{name}={value}" for name, value in pairs) + app_secret


def sign_params(params: dict, app_secret: str, case: str = "upper") -> str:
    """MD5 hex of the signing string; ``case`` is ``upper`` (source doc) or ``lower`` (public clients)."""
    digest = hashlib.md5(signing_string(params, app_secret).encode("utf-8")).hexdigest()  # noqa: S324 - Eccang's algorithm
    return digest.upper() if case == "upper" else digest.lower()
