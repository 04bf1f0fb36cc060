"""Ops recipients: masking addresses for the admin and logs (they are personal data)."""

from __future__ import annotations


def mask_address(address: str) -> str:
    """'ops.lead@example.com' -> 'o•••@example.com'; '+447700900123' -> '+44•••••123'."""
    text = (address or "").strip()
    if not text:
        return ""
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}•••@{domain}"
    if len(text) <= 6:
        return "•" * len(text)
    return f"{text[:3]}•••••{text[-3:]}"
