"""The write-only secrets base of admin forms: blank keeps, a typed value replaces, nothing stored is ever
rendered, rotations report the previous value, required while nothing is stored; mask and https URLs."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from integration_server.admin_secrets import (
    HTTPS_URL_OVERRIDES,
    Secret,
    WriteOnlySecretsForm,
    https_url_fields,
    mask,
    mask_all,
)
from logistics.models import ShipStationAccount, TrackingAccount
from marketplaces.admin import MarketplaceAccountForm
from marketplaces.models import MarketplaceAccount

pytestmark = pytest.mark.django_db

KEY = "stored-api-key-0123456789"
SECRET = "stored-api-secret-abcdefgh"


class AccountForm(WriteOnlySecretsForm):
    secret_input_prefix = "new_"
    secret_fields = (Secret("api_key", label="API key", help_text="Blank keeps it."), "api_secret")

    class Meta:
        model = ShipStationAccount
        fields = ("name",)


class KeyForm(WriteOnlySecretsForm):
    """The model field itself is in Meta.fields, as in the admin's generated form."""

    secret_fields = (Secret("api_key", keep_previous=True),)

    class Meta:
        model = TrackingAccount
        fields = ("provider", "api_key")


class RequiredKeyForm(WriteOnlySecretsForm):
    secret_fields = (Secret("api_key", required_when_unset=True),)
    stored_help_text = "Stored; blank keeps it."

    class Meta:
        model = TrackingAccount
        fields = ("provider",)


class RecordingForm(KeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def secret_changed(self, name, previous):
        self.calls.append((name, previous))
        super().secret_changed(name, previous)


@pytest.fixture
def account():
    return ShipStationAccount.objects.create(name="SS", api_key=KEY, api_secret=SECRET)


def test_fields_are_declared_with_the_prefix_label_and_help(account):
    form = AccountForm(instance=account)
    assert list(form.fields) == ["name", "new_api_key", "new_api_secret"]
    assert form.fields["new_api_key"].label == "API key"
    assert form.fields["new_api_key"].help_text == "Blank keeps it."
    assert isinstance(form.fields["new_api_secret"].widget, forms.PasswordInput)
    assert not form.fields["new_api_secret"].required


def test_blank_keeps_the_stored_value(account):
    form = AccountForm({"name": "Renamed", "new_api_key": "", "new_api_secret": "   "}, instance=account)
    assert form.is_valid(), form.errors
    assert form.changed_secrets == {}
    form.save()
    account.refresh_from_db()
    assert (account.name, account.api_key, account.api_secret) == ("Renamed", KEY, SECRET)


def test_a_typed_value_replaces_only_that_secret(account):
    form = AccountForm({"name": "SS", "new_api_key": " new-key ", "new_api_secret": ""}, instance=account)
    assert form.is_valid(), form.errors
    form.save()
    account.refresh_from_db()
    assert (account.api_key, account.api_secret) == ("new-key", SECRET)


def test_the_stored_value_is_never_rendered(account):
    unbound = AccountForm(instance=account)
    assert "new_api_key" not in unbound.initial
    bound_invalid = AccountForm({"name": "", "new_api_key": "typed-but-invalid-form"}, instance=account)
    assert not bound_invalid.is_valid()
    for html in (str(unbound), str(bound_invalid)):
        assert KEY not in html and SECRET not in html
        assert "typed-but-invalid-form" not in html
        assert 'type="password"' in html


def test_same_named_model_field_keeps_the_stored_value_and_is_not_rendered():
    tracking = TrackingAccount.objects.create(api_key=KEY)
    form = KeyForm(instance=tracking)
    assert KEY not in str(form) and "api_key" not in form.initial
    form = KeyForm({"provider": "17track", "api_key": ""}, instance=tracking)
    assert form.is_valid(), form.errors
    form.save()
    tracking.refresh_from_db()
    assert (tracking.api_key, tracking.previous_api_key, tracking.api_key_changed_at) == (KEY, "", None)


def test_rotation_reports_the_previous_value_and_keeps_it():
    tracking = TrackingAccount.objects.create(api_key=KEY)
    form = RecordingForm({"provider": "17track", "api_key": "rotated-key"}, instance=tracking)
    assert form.is_valid(), form.errors
    assert form.changed_secrets == {"api_key": KEY}
    form.save()
    assert form.calls == [("api_key", KEY)]
    tracking.refresh_from_db()
    assert (tracking.api_key, tracking.previous_api_key) == ("rotated-key", KEY)
    assert tracking.api_key_changed_at is not None


def test_retyping_the_same_value_is_no_rotation_and_a_first_value_has_no_previous():
    tracking = TrackingAccount.objects.create(api_key=KEY)
    form = RecordingForm({"provider": "17track", "api_key": KEY}, instance=tracking)
    assert form.is_valid() and form.changed_secrets == {}
    form.save()
    assert form.calls == []

    first = RecordingForm({"provider": "other", "api_key": "first-key"})
    assert first.is_valid(), first.errors
    created = first.save()
    assert first.calls == [("api_key", "")]
    assert (created.api_key, created.previous_api_key, created.api_key_changed_at) == ("first-key", "", None)


def test_required_while_nothing_is_stored():
    empty = RequiredKeyForm({"provider": "17track", "api_key": ""})
    assert not empty.is_valid()
    assert empty.errors["api_key"] == ["Required."]
    assert empty.fields["api_key"].help_text == ""

    tracking = TrackingAccount.objects.create(api_key=KEY)
    kept = RequiredKeyForm({"provider": "17track", "api_key": ""}, instance=tracking)
    assert kept.fields["api_key"].help_text == "Stored; blank keeps it."
    assert kept.is_valid(), kept.errors
    kept.save()
    tracking.refresh_from_db()
    assert tracking.api_key == KEY


def test_clearable_empties_and_a_typed_value_wins_over_clear():
    class ClearableForm(WriteOnlySecretsForm):
        secret_input_prefix = "new_"
        secret_fields = (Secret("api_key", clearable=True), Secret("api_secret", clearable=True))

        class Meta:
            model = ShipStationAccount
            fields = ("name",)

    account = ShipStationAccount.objects.create(name="C", api_key=KEY, api_secret=SECRET)
    assert list(ClearableForm.base_fields)[-2:] == ["clear_api_key", "clear_api_secret"]
    form = ClearableForm(
        {"name": "C", "clear_api_key": "on", "new_api_secret": "new", "clear_api_secret": "on"},
        instance=account,
    )
    assert form.is_valid(), form.errors
    form.save()
    account.refresh_from_db()
    assert (account.api_key, account.api_secret) == ("", "new")


def test_json_credentials_merge_keys_and_null_removes():
    account = MarketplaceAccount.objects.create(
        channel="amazon", name="A", credentials={"client_id": "id-1", "client_secret": "s" * 20}
    )
    assert "s" * 20 not in str(MarketplaceAccountForm(instance=account))
    data = {"channel": "amazon", "name": "A", "enabled": "on", "pull_interval_minutes": "15", "options": "{}"}
    form = MarketplaceAccountForm(
        {**data, "new_credentials": '{"client_secret": null, "refresh_token": "r-1"}'}, instance=account
    )
    assert form.is_valid(), form.errors
    form.save()
    account.refresh_from_db()
    assert account.credentials == {"client_id": "id-1", "refresh_token": "r-1"}
    blank = MarketplaceAccountForm({**data, "new_credentials": ""}, instance=account)
    assert blank.is_valid(), blank.errors
    blank.save()
    account.refresh_from_db()
    assert account.credentials == {"client_id": "id-1", "refresh_token": "r-1"}


def test_mask_and_https_urls():
    assert mask("") == "(empty)" and mask(None) == "(empty)"
    assert mask("short") == "••••"
    assert mask("a-long-secret-WXYZ") == "••••WXYZ"
    assert mask_all([("key", "a-long-secret-WXYZ"), ("<b>", "")]) == "key: ••••WXYZ, &lt;b&gt;: (empty)"
    url = https_url_fields(models.URLField(blank=True))
    assert url.clean("example.com/api") == "https://example.com/api"
    assert HTTPS_URL_OVERRIDES[models.URLField]["assume_scheme"] == "https"
    with pytest.raises(ValidationError, match="http:// or https://"):
        url.clean("ftp://files.example.com/")
