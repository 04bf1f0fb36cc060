"""JSON request bodies parsed with bounds, before anything reaches the database or a vendor's code.

Refused (``MalformedBody``, a ValueError: the webhook answers 400): not JSON or not UTF-8; nesting deeper
than MAX_DEPTH (deeper input would hit Python's recursion limit somewhere later); NaN / Infinity, and numbers
too large for a float; integers outside 64 bits (no column holds them); NUL characters and lone UTF-16
surrogates in any key or string (PostgreSQL refuses the first, UTF-8 cannot encode the second).

Most bodies are read by orjson (three times as fast as the standard parser, which is most of what parsing a
webhook costs): bytes with no byte order mark and no run of 19 digits, where orjson reads exactly what the
checked standard parser reads (it refuses NaN, infinities and lone surrogates itself; an integer beyond 64
bits it would read as a float, so a body that may hold one takes the standard parser).

The checks cost little on the webhook path: integers are checked as they are parsed, the nesting is walked
(a level at a time) only when the body has more brackets than MAX_DEPTH, and keys and strings are read one by
one only when the raw body could hold a NUL or a lone surrogate at all (a ``\\u0000`` or
``\\uD800``-``\\uDFFF`` escape, a surrogate encoded in the raw bytes, or a body that is not UTF-8 text); most
bodies hold none of the three bytes that start these, which is checked first."""

from __future__ import annotations

import json
import math
import re

import orjson

MAX_DEPTH = 64
_INT_LIMIT = 2**63


class MalformedBody(ValueError):
    pass


def _refuse_constant(name: str):
    raise MalformedBody(f"{name} is not a JSON number we accept")


def _checked_float(digits: str) -> float:
    value = float(digits)
    if not math.isfinite(value):
        raise MalformedBody("number too large for a float")
    return value


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
        elif isinstance(value, float) and not math.isfinite(value):
            raise MalformedBody("number too large for a float")


def _checked_int(digits: str) -> int:
    value = int(digits)
    if not -_INT_LIMIT <= value < _INT_LIMIT:
        raise MalformedBody("integer out of range")
    return value


# What a NUL or a lone surrogate can come from: the escapes, a surrogate's UTF-8 bytes (json reads bytes with
# "surrogatepass"), a NUL byte (a UTF-16/32 body; JSON text never holds a raw NUL); in text, a surrogate itself.
_SUSPECT_BYTES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]|\x00")
_SUSPECT_TEXT = re.compile("\\\\u(?:0000|[dD][89a-fA-F])|[\ud800-\udfff\x00]")


def _may_hold_bad_text(body: bytes | str) -> bool:
    if isinstance(body, bytes | bytearray):
        # Each suspect starts with one of three bytes: most bodies have none, found at memchr speed.
        if b"\\u" not in body and b"\xed" not in body and b"\x00" not in body:
            return False
        return _SUSPECT_BYTES.search(body) is not None
    return _SUSPECT_TEXT.search(body) is not None


_CONTAINERS = (dict, list)  # what the parsers make (exact types: no subclass comes out of them)


def _too_deep(document, max_depth: int) -> bool:
    """Whether containers nest deeper than ``max_depth``: one level of containers at a time."""
    level, depth = [document], 1
    while level:
        if depth > max_depth:
            return True
        inner = []
        add = inner.append
        for value in level:
            for item in value.values() if type(value) is dict else value:
                if type(item) in _CONTAINERS:
                    add(item)
        level, depth = inner, depth + 1
    return False


def _loads(body: bytes | str, **hooks):
    try:
        return json.loads(body, parse_constant=_refuse_constant, parse_float=_checked_float, **hooks)
    except RecursionError as exc:
        raise MalformedBody("body nested too deeply") from exc
    except MalformedBody:
        raise
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digits limit
        raise MalformedBody(str(exc)[:200]) from exc


_DIGITS_AS_ZEROS = bytes.maketrans(b"0123456789", b"0" * 10)
_MAYBE_BEYOND_64_BITS = b"0" * 19  # 19 digits in a row (in a number, or in a text: then harmlessly)
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"  # the standard parser skips it, orjson refuses it


def _orjson_reads_it_alike(body: bytes | str) -> bool:
    return (
        isinstance(body, bytes | bytearray)
        and not body.startswith(_BYTE_ORDER_MARK)
        and _MAYBE_BEYOND_64_BITS not in body.translate(_DIGITS_AS_ZEROS)
    )


def parse_json_body(body: bytes | str, max_depth: int = MAX_DEPTH):
    if _may_hold_bad_text(body):
        document = _loads(body)
        check_document(document, max_depth)  # every key and string, one by one
        return document
    if _orjson_reads_it_alike(body):
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MalformedBody(str(exc)[:200]) from exc
    else:
        document = _loads(body, parse_int=_checked_int)
    opening = (b"[", b"{") if isinstance(body, bytes | bytearray) else ("[", "{")
    brackets = body.count(opening[0]) + body.count(opening[1])
    if brackets > max_depth and isinstance(document, dict | list) and _too_deep(document, max_depth):
        raise MalformedBody("body nested too deeply")
    return document
