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
