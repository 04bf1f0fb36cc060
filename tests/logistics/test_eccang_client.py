"""The Eccang client against the simulator over real HTTP. No official fixtures exist: the simulator answers in
the envelope the reference page describes ({code: "200", message, biz_content: JSON string}); the three
throttling forms are the reference's (body code "429", saas.api.error.code.0061, an HTML page)."""

from __future__ import annotations

import json

import pytest
import responses

from integration_server.http.errors import PermanentError, RetryableError, ThrottledError
from logistics.eccang.client import EccangClient
from logistics.eccang.signature import sign_params
from logistics.models import EccangAccount
from tests.plugins.eccang import APP_SECRET

pytestmark = pytest.mark.django_db

CONDITION = {"modify_date_start": "2026-11-01 00:00:00", "modify_date_end": "2026-11-30 00:00:00"}


def fill(sim, count):
    for n in range(count):
        sim.put_order(f"REF{n:04d}", modify_date=f"2026-11-10 10:{n // 60:02d}:{n % 60:02d}", status="S")


def test_requests_are_signed_in_the_accounts_case_with_biz_content_as_a_string(eccang_sim, eccang_account):
    fill(eccang_sim, 1)
    EccangClient(eccang_account).get_order_list(page=1, page_size=100, condition=CONDITION)
    [request] = eccang_sim.calls("POST")
    sent = request.json()
    assert isinstance(sent["biz_content"], str)
    assert json.loads(sent["biz_content"]) == {"page": 1, "page_size": 100, "condition": CONDITION}
    assert sent["sign"] == sign_params(sent, APP_SECRET, "upper") and sent["sign"].isupper()
    assert APP_SECRET not in request.body.decode()
    assert len(sent["timestamp"]) == 13 and sent["nonce_str"]


@pytest.mark.parametrize("case", ["upper", "lower"])
def test_a_server_accepting_one_case_refuses_the_other(eccang_sim, eccang_account, case):
    fill(eccang_sim, 1)
    eccang_sim.accepted_cases = (case,)
    other = "lower" if case == "upper" else "upper"
    EccangAccount.objects.filter(pk=eccang_account.pk).update(sign_case=other)
    eccang_account.sign_case = other
    with pytest.raises(PermanentError, match="saas.api.error.code.0002"):
        EccangClient(eccang_account).get_order_list(page=1, page_size=100, condition=CONDITION)
    eccang_account.sign_case = case
    page = EccangClient(eccang_account).get_order_list(page=1, page_size=100, condition=CONDITION)
    assert [o["reference_no"] for o in page.items] == ["REF0000"]


@pytest.mark.parametrize("form", ["code429", "code0061", "html"])
def test_each_throttling_form_is_a_throttled_error(eccang_sim, eccang_account, form):
    eccang_sim.throttle_next.append(form)
    with pytest.raises(ThrottledError) as caught:
        EccangClient(eccang_account).get_order_list(page=1, page_size=100, condition=CONDITION)
    assert caught.value.wait_seconds > 0
    # the next call goes through
    assert EccangClient(eccang_account).get_order_list(page=1, page_size=100, condition=CONDITION).items == []


def test_pages_of_100_with_the_total(eccang_sim, eccang_account):
    fill(eccang_sim, 230)
    client = EccangClient(eccang_account)
    pages = [client.get_order_list(page=p, page_size=100, condition=CONDITION) for p in (1, 2, 3, 4)]
    assert [len(p.items) for p in pages] == [100, 100, 30, 0]
    assert {p.total for p in pages} == {230}
    refs = [o["reference_no"] for p in pages for o in p.items]
    assert refs == sorted(set(refs)) and len(refs) == 230


@responses.activate
def test_expired_signature_is_rebuilt_and_sent_once_more(eccang_account):
    url = "https://eccang.test/openApi/api/unity"
    eccang_account.api_base_url = url
    expired = {"code": "300", "message": "x", "biz_content": '[{"errorCode": "saas.api.error.code.0049"}]'}
    ok = {"code": "200", "message": "Success", "biz_content": '{"data": [], "page": 1, "total_count": 0}'}
    responses.post(url, json=expired)
    responses.post(url, json=ok)
    page = EccangClient(eccang_account).get_order_list(page=1, page_size=100, condition=CONDITION)
    assert page.items == [] and page.total == 0
    signs = [json.loads(c.request.body)["sign"] for c in responses.calls]
    assert len(signs) == 2 and signs[0] != signs[1]


@responses.activate
def test_system_error_is_retryable_and_non_json_without_throttle_text_too(eccang_account):
    url = "https://eccang.test/openApi/api/unity"
    eccang_account.api_base_url = url
    responses.post(
        url, json={"code": "300", "message": "x", "biz_content": '[{"errorCode": "common.error.code.9999"}]'}
    )
    responses.post(url, body="<html>Bad gateway</html>", content_type="text/html")
    responses.post(
        url, json={"code": "300", "message": "x", "biz_content": '[{"errorCode": "common.error.code.0028"}]'}
    )
    client = EccangClient(eccang_account)
    for expected in (RetryableError, RetryableError, PermanentError):
        with pytest.raises(expected) as caught:
            client.get_order_list(page=1, page_size=100, condition=CONDITION)
        assert not isinstance(caught.value, ThrottledError)


def test_connection_check_finds_the_accepted_case_and_the_field_names(eccang_sim, eccang_account):
    from logistics.eccang.services import check_connection
    from tests.plugins.eccang import eccang_time, minutes_ago

    eccang_sim.put_order("REF1", modify_date=eccang_time(minutes_ago(10)), status="S")
    eccang_sim.accepted_cases = ("lower",)
    result = check_connection(eccang_account)
    assert (result["ok"], result["sign_case"]) == (True, "lower")
    assert "saas.api.error.code.0002" in result["refused"]["upper"]
    assert {"reference_no", "shipper_hawbcode", "modify_date", "Consignee"} <= set(result["item_keys"])
    eccang_sim.accepted_cases = ()
    assert check_connection(eccang_account)["ok"] is False
