"""Every admin page an operator can open renders: the list (plain and searched) and the add form."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    ((model._meta.app_label, model._meta.model_name) for model in admin.site._registry),
)


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_changelist_and_add_pages_render(admin_client, app_label, model_name):
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    model_admin = next(
        ma
        for m, ma in admin.site._registry.items()
        if m._meta.model_name == model_name and m._meta.app_label == app_label
    )
    if model_admin.search_fields:
        assert admin_client.get(changelist, {"q": "nothing-matches-this"}).status_code == 200
    add = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    assert add.status_code in (200, 403)


def test_account_form_shows_no_credentials_and_starts_empty(admin_client):
    from marketplaces.models import MarketplaceAccount

    account = MarketplaceAccount.objects.create(
        channel="amazon", name="A", credentials={"client_secret": "very-secret-client-value-123"}
    )
    page = admin_client.get(
        reverse("admin:marketplaces_marketplaceaccount_change", args=[account.pk])
    ).content
    assert b"very-secret-client-value" not in page
    assert b">null</textarea>" not in page
