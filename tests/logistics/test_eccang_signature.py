"""The Eccang signature (reference/eccang.md "Signature", source doc 7.2). No official fixture exists: the
parameters are the reference page's common parameters with a getOrderList biz_content as it lists it."""

from __future__ import annotations

import hashlib

from logistics.eccang.signature import sign_params, signing_string

PARAMS = {
    "app_key": "K",
    "service_id": "S1",
    "interface_method": "getOrderList",
    "biz_content": '{"page":1,"page_size":100,"condition":{"created_date_start":"2026-11-01 00:00:00"}}',
    "timestamp": "1763900000000",
    "nonce_str": "abc",
    "sign_type": "MD5",
    "charset": "UTF-8",
    "version": "",  # empty: dropped
    "sign": "ignored",  # never signed
}


def test_signing_string_sorts_drops_empty_and_sign_and_appends_the_secret():
    assert signing_string(PARAMS, "SECRET") == (
        'app_key=K&biz_content={"page":1,"page_size":100,"condition":{"created_date_start":"2026-11-01 00:00:00"}}'
        "&charset=UTF-8&interface_method=getOrderList&nonce_str=abc&service_id=S1&sign_type=MD5"
        "&timestamp=1763900000000SECRET"
    )


def test_both_hex_cases_are_the_md5_of_that_string():
    digest = hashlib.md5(signing_string(PARAMS, "SECRET").encode()).hexdigest()  # noqa: S324
    upper, lower = sign_params(PARAMS, "SECRET", "upper"), sign_params(PARAMS, "SECRET", "lower")
    assert upper == digest.upper() and lower == digest.lower() and upper != lower
    assert len(upper) == 32


def test_a_fresh_nonce_or_another_secret_changes_the_signature():
    base = sign_params(PARAMS, "SECRET")
    assert sign_params({**PARAMS, "nonce_str": "abd"}, "SECRET") != base
    assert sign_params(PARAMS, "OTHER") != base
    assert sign_params({**PARAMS, "sign": "whatever"}, "SECRET") == base
    assert sign_params({**PARAMS, "version": None}, "SECRET") == base
