"""The Eccang admin: the app secret is write-only, "no rule = nothing is after-sales" is shown plainly, and a
new account gets the reference's default status mapping."""

from __future__ import annotations

import pytest

from logistics.eccang.orders import NO_RULES
from logistics.models import EccangAccount, EccangAfterSalesRule, EccangOrderStatus
from tests.plugins.eccang import APP_SECRET

pytestmark = pytest.mark.django_db


def test_no_rule_state_is_shown_and_the_secret_never_is(admin_client, eccang_account):
    page = admin_client.get(f"/admin/logistics/eccangaccount/{eccang_account.pk}/change/").content.decode()
    assert NO_RULES in page
    assert APP_SECRET not in page
    listing = admin_client.get("/admin/logistics/eccangaccount/").content.decode()
    assert "none: nothing is after-sales" in listing
    EccangAfterSalesRule.objects.create(account=eccang_account, kind="warehouse_code", values="WH-AS")
    page = admin_client.get(f"/admin/logistics/eccangaccount/{eccang_account.pk}/change/").content.decode()
    assert NO_RULES not in page and "Warehouse code is WH-AS" in page


def _form(**overrides):
    data = {
        "name": "tenant",
        "enabled": "on",
        "api_base_url": "",
        "app_key": "K",
        "service_id": "S",
        "app_secret": "first-secret",
        "sign_case": "upper",
        "api_version": "1.0.0",
        "poll_interval_minutes": "5",
        "window_mode": "modify",
        "window_start_key": "modify_date_start",
        "window_end_key": "modify_date_end",
        "overlap_minutes": "10",
        "created_window_days": "14",
        "server_timezone": "Asia/Shanghai",
        "page_size": "100",
        "field_names": "{}",
        "watermark": "",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
        "status_mappings-TOTAL_FORMS": "0",
        "status_mappings-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_create_then_blank_secret_keeps_it_and_interval_is_bounded(admin_client):
    response = admin_client.post("/admin/logistics/eccangaccount/add/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    account = EccangAccount.objects.get(name="tenant")
    assert account.app_secret == "first-secret"
    assert sorted(account.status_mappings.values_list("code", flat=True)) == ["C", "E", "P", "S"]
    url = f"/admin/logistics/eccangaccount/{account.pk}/change/"
    mappings = list(account.status_mappings.order_by("code"))
    formset = {
        "status_mappings-TOTAL_FORMS": str(len(mappings)),
        "status_mappings-INITIAL_FORMS": str(len(mappings)),
    }
    for i, m in enumerate(mappings):
        formset.update(
            {
                f"status_mappings-{i}-id": str(m.pk),
                f"status_mappings-{i}-code": m.code,
                f"status_mappings-{i}-meaning": m.meaning,
                f"status_mappings-{i}-account": str(account.pk),
            }
        )
    response = admin_client.post(url, _form(app_secret="", **formset))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.app_secret == "first-secret"
    response = admin_client.post(url, _form(app_secret="", poll_interval_minutes="3", **formset))
    assert response.status_code == 200 and "greater than or equal to 5" in response.content.decode()


def test_order_status_list_is_searchable(admin_client, eccang_account):
    EccangOrderStatus.objects.create(
        account=eccang_account, reference_no="AS-1", status="S", meaning="shipped"
    )
    page = admin_client.get("/admin/logistics/eccangorderstatus/?q=AS-1").content.decode()
    assert "AS-1" in page
