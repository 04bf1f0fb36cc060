"""A seeded generator of hostile webhook bodies: deep nesting, lone surrogates, NUL bytes, huge numbers,
wrong types, broken encodings and plain garbage, mostly as mutations of a real body so that they reach the
code behind the parser. Deterministic per seed: a failure names the seed and the index to replay."""

from __future__ import annotations

import copy
import json
import random

EVIL_STRINGS = [
    "a\x00b",
    "\x00",
    "\ud800",
    "x\udfffy",
    "\udbff\udfff",  # a valid pair, written as escapes
    "",
    " ",
    "\u202e\u0301",
    "\U0001f6b2",
    "A" * 5000,
    "%s%n{0}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "1e999",
    "NaN",
    "null",
    "2026-13-45T99:99:99Z",
    "\\",
    '"',
]
EVIL_SCALARS = [None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**300, 1e308, -1e-308, 0.5]
RAW_BODIES = [
    b"",
    b" ",
    b"{",
    b"}",
    b"[" * 50_000,
    b'{"a":' * 30_000 + b"1" + b"}" * 30_000,
    b"[" * 3_000 + b"]" * 3_000,
    b"\xff\xfe\x00\x00",
    b"\xef\xbb\xbf{}",
    b"\xc3\x28",
    b"null",
    b"true",
    b'"just a string"',
    b"1" * 5_000,
    b"-" + b"9" * 4_400,
    b"1e99999",
    b"-Infinity",
    b"NaN",
    b'"\\ud800"',
    b'{"a": "\\u0000"}',
    b'{"a": "\x00"}',
    b"\x00",
    b"\x00" * 64,
    b"<xml/>",
    b"a=1&b=2",
    b'{"app_key": "a\\u0000b"}',
    b'{"app_key": "\\ud800", "timestamp": "1", "nonce_str": "n", "sign": "x"}',
    b'{"resource_url": "\\u0000", "resource_type": "SHIP_NOTIFY"}',
    b'{"item": {"sku": "\\udc00"}}',
]


def _deep(value_text: str, depth: int, rng: random.Random) -> str:
    opener, closer = ('{"k":', "}") if rng.random() < 0.5 else ("[", "]")
    return opener * depth + value_text + closer * depth


def _evil_value(rng: random.Random):
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(EVIL_STRINGS)
    if roll < 0.75:
        return rng.choice(EVIL_SCALARS)
    if roll < 0.9:
        return [rng.choice(EVIL_STRINGS), {"x": rng.choice(EVIL_SCALARS)}]
    return {rng.choice(EVIL_STRINGS): rng.choice(EVIL_STRINGS)}


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _set(document, path, value):
    if not path:
        return value
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


def mutate(base, rng: random.Random):
    """A copy of ``base`` with one to three leaves (or the whole) replaced by hostile values."""
    document = copy.deepcopy(base)
    paths = list(_paths(document))
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths)
        document = _set(document, path, _evil_value(rng))
        paths = list(_paths(document))
    return document


def encode(document, rng: random.Random) -> bytes:
    text = json.dumps(document, ensure_ascii=True)  # lone surrogates become \\udXXX escapes
    roll = rng.random()
    if roll < 0.08:
        text = _deep(text, rng.choice([200, 990, 5_000, 100_000]), rng)
    elif roll < 0.12:
        text = text.replace('"', "", 1)  # truncated / broken JSON
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def bodies(base, seed: int, count: int):
    """``count`` hostile bodies for an endpoint whose real body looks like ``base``: (index, bytes)."""
    rng = random.Random(seed)
    for index, raw in enumerate(RAW_BODIES[:count]):  # every known-bad body once, then random ones
        yield index, raw
    for index in range(len(RAW_BODIES), count):
        roll = rng.random()
        if roll < 0.15:
            yield index, rng.choice(RAW_BODIES)
        elif roll < 0.25:
            yield index, encode(_evil_value(rng), rng)
        else:
            yield index, encode(mutate(base, rng), rng)


def documents(base, seed: int, count: int):
    """Mutated documents (not encoded): for bodies that are signed inside (Eccang)."""
    rng = random.Random(seed)
    for index in range(count):
        yield index, mutate(base, rng), rng
