"""Bounded JSON bodies: the quick path (checks skipped where the raw body cannot hold the problem) refuses
exactly what reading every value refuses."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integration_server.json_bodies import MAX_DEPTH, MalformedBody, check_document, parse_json_body


def refused_by_reading_everything(body) -> bool:
    try:
        check_document(json.loads(body))
    except (ValueError, RecursionError):  # MalformedBody is a ValueError
        return True
    return False


def refused(body) -> bool:
    try:
        parse_json_body(body)
    except MalformedBody:
        return True
    return False


texts = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=8
)
scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | texts
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=12,
)


@given(documents, st.sampled_from(["ascii", "utf-8", "utf-16"]))
def test_the_quick_path_refuses_exactly_what_a_full_read_refuses(document, encoding):
    text = json.dumps(document, ensure_ascii=encoding == "ascii")
    body = text.encode("utf-8" if encoding == "ascii" else encoding, "surrogatepass")
    assert refused(body) == refused_by_reading_everything(body)
    assert refused(text) == refused_by_reading_everything(text)


@pytest.mark.parametrize(
    "body",
    [
        rb'{"a": "x\u0000y"}',
        rb'{"a\u0000": 1}',
        rb'["\ud800"]',
        rb'["\uDFFF"]',
        '["\ud800"]'.encode("utf-8", "surrogatepass"),
        '{"a": "\x00"}'.encode("utf-16"),
        b'{"n": 9223372036854775808}',
        b'{"n": -9223372036854775809}',
        b'{"n": NaN}',
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b'{"n": 18446744073709551615}',  # fits 64 bits unsigned only
        b'{"n": 18446744073709551616, "tracking": "9400111899223197428490"}',
        b'{"n": 1e400}',  # a number too large for a float: infinity
        b'{"n": -1e400, "tracking": "12345678901234567890123"}',
    ],
)
def test_refused(body):
    with pytest.raises(MalformedBody):
        parse_json_body(body)


@pytest.mark.parametrize(
    "body",
    [
        rb'{"a": "x\\u0000y"}',  # an escaped backslash, then the text "u0000"
        '{"emoji": "\U0001f6b2", "escaped": "\\ud83d\\udeb2"}'.encode(),
        b'{"n": 9223372036854775807, "m": -9223372036854775808}',
        b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,
        b'{"brackets in text": "' + b"[{" * 100 + b'"}',
        b'\xef\xbb\xbf{"after a byte order mark": 1}',
        b'{"tracking": "9400111899223197428490", "n": 9223372036854775807, "x": 1.5e300}',
    ],
)
def test_accepted(body):
    assert parse_json_body(body) == json.loads(body)
