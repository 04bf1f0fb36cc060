"""JSON request bodies parsed with bounds, before anything reaches the database or a vendor's code.

Refused (``MalformedBody``, a ValueError: the webhook answers 400): not JSON or not UTF-8; nesting deeper
than MAX_DEPTH (deeper input would hit Python's recursion limit somewhere later); NaN / Infinity; integers
outside 64 bits (no column holds them); NUL characters and lone UTF-16 surrogates in any key or string
(PostgreSQL refuses the first, UTF-8 cannot encode the second)."""

from __future__ import annotations

import json

MAX_DEPTH = 64
_INT_LIMIT = 2**63


class MalformedBody(ValueError):
    pass


def _refuse_constant(name: str):
    raise MalformedBody(f"{name} is not a JSON number we accept")


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_document(document, max_depth: int = MAX_DEPTH) -> None:
    """Walk the parsed document without recursion; raise MalformedBody on the first problem."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise MalformedBody("body nested too deeply")
        if isinstance(value, dict):
            for key, item in value.items():
                if _bad_text(key):
                    raise MalformedBody("NUL or lone surrogate in a key")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and _bad_text(value):
            raise MalformedBody("NUL or lone surrogate in a string")
        elif isinstance(value, int) and not isinstance(value, bool) and not -_INT_LIMIT <= value < _INT_LIMIT:
            raise MalformedBody("integer out of range")


def parse_json_body(body: bytes | str, max_depth: int = MAX_DEPTH):
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise MalformedBody("body nested too deeply") from exc
    except MalformedBody:
        raise
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digits limit
        raise MalformedBody(str(exc)[:200]) from exc
    check_document(document, max_depth)
    return document
