"""Least privilege in the admin: every action and every custom admin page asks for a specific permission.

The actions and pages are collected from ``admin.site._registry``, so one added later is covered too."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission, User
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Names of the URLs every ModelAdmin has; anything else a ModelAdmin serves is a custom page.
STANDARD_SUFFIXES = ("_changelist", "_add", "_history", "_delete", "_change")


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    return request


def all_actions():
    """(model admin, action name, callable) of every action a superuser sees, on every registered model."""
    request = _superuser_request()
    found = []
    for model, model_admin in admin.site._registry.items():
        for name, (func, _name, _desc) in model_admin.get_actions(request).items():
            found.append(pytest.param(model, name, func, id=f"{model._meta.label_lower}:{name}"))
    return found


def custom_urls():
    """(url name, keyword arguments) of every admin URL that is not one of the standard ModelAdmin pages."""
    found = []
    for model_admin in admin.site._registry.values():
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if not name or name.endswith(STANDARD_SUFFIXES) or name.endswith("_autocomplete"):
                continue
            kwargs = {key: "1" for key in pattern.pattern.converters}
            if "action" in kwargs:  # a detail-page action button: every action it has
                for action in model_admin.object_actions:
                    found.append(
                        pytest.param(name, {**kwargs, "action": action.name}, id=f"{name}:{action.name}")
                    )
                continue
            found.append(pytest.param(name, kwargs, id=name))
    return found


ACTIONS = all_actions()
CUSTOM_URLS = custom_urls()


@pytest.fixture
def staff_client(client):
    user = User.objects.create_user("nobody", password="pw-nobody-123", is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def _grant(user, *codenames_with_app):
    for full in codenames_with_app:
        app_label, codename = full.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def test_the_walk_finds_the_actions_and_pages_we_know():
    names = {p.id for p in ACTIONS}
    assert "notifications.notification:send_again" in names
    assert "integration_server.outboundjob:cancel" in names
    assert "marketplaces.order:send_to_shipstation_again" in names
    urls = {p.id for p in CUSTOM_URLS}
    assert {
        "notifications_notification_preview_index",
        "notifications_notification_preview",
        "notifications_notification_render",
        "inventory_stocklevel_explain",
        "marketplaces_marketplaceaccount_check_connection",
        "inventory_skuratiooverride_import",
        "inventory_skuratiooverride_process_import",
    } <= urls


@pytest.mark.parametrize(("model", "name", "func"), ACTIONS)
def test_every_action_declares_a_permission_beyond_view(model, name, func):
    declared = tuple(getattr(func, "allowed_permissions", ()))
    assert declared, f"{model._meta.label}: action {name} declares no allowed_permissions"
    assert set(declared) - {"view"}, f"{model._meta.label}: action {name} only needs the view permission"


@pytest.mark.parametrize(("model", "name", "func"), ACTIONS)
def test_a_staff_user_without_permissions_cannot_run_any_action(staff_client, model, name, func):
    from integration_server.models import OutboundJob

    jobs_before = OutboundJob.objects.count()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = staff_client.post(
        url, {"action": name, ACTION_CHECKBOX_NAME: ["1"], "select_across": "1", "index": "0"}
    )
    assert response.status_code == 403
    assert OutboundJob.objects.count() == jobs_before


@pytest.mark.parametrize(("model", "name", "func"), ACTIONS)
def test_a_view_only_user_cannot_run_any_action(staff_client, model, name, func):
    """Only ``view_<model>``: the list opens, but a posted action is refused, not run."""
    from integration_server.models import OutboundJob

    _grant(staff_client.user, f"{model._meta.app_label}.view_{model._meta.model_name}")
    jobs_before = OutboundJob.objects.count()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    data = {"action": name, ACTION_CHECKBOX_NAME: ["1"], "select_across": "1", "index": "0"}
    response = staff_client.post(url, data, follow=True)
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert response["Content-Type"].startswith("text/html")
        # no action offered at all (the list shows, nothing said) or refused; never an action's own message
        assert {str(m) for m in response.context["messages"]} <= {"No action selected."}
    assert OutboundJob.objects.count() == jobs_before


@pytest.mark.parametrize(("name", "kwargs"), CUSTOM_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_custom_admin_page_refuses_a_staff_user_without_permissions(staff_client, name, kwargs, method):
    response = getattr(staff_client, method)(reverse(f"admin:{name}", kwargs=kwargs))
    # a POST-only page may refuse a GET for its method first
    assert response.status_code == 403 or (method == "get" and response.status_code == 405)


def _notification():
    from integration_server.crypto import lookup_hash
    from notifications.models import Notification
    from notifications.services.preview import sample_context

    return Notification.objects.create(
        kind="split_package",
        dedupe_key="perm-test:1",
        recipient="someone@example.com",
        recipient_hash=lookup_hash("someone@example.com"),
        order_number="#1001",
        state="sent",
        context=sample_context("split_package"),
    )


def test_notifications_list_search_and_export_need_permissions(staff_client):
    url = reverse("admin:notifications_notification_changelist")
    assert staff_client.get(url, {"q": "someone@example.com"}).status_code == 403
    _notification()
    response = staff_client.post(
        url, {"action": "export_admin_action", ACTION_CHECKBOX_NAME: ["1"], "select_across": "1"}
    )
    assert response.status_code == 403


def test_customer_service_searches_previews_and_resends_but_exports_nothing(client):
    from notifications.models import Notification

    user = User.objects.create_user("cs", password="pw-cs-123456", is_staff=True)
    user.groups.add(Group.objects.get(name="Customer service"))
    client.force_login(user)
    notification = _notification()
    url = reverse("admin:notifications_notification_changelist")
    assert client.get(url, {"q": "someone@example.com"}).status_code == 200
    assert (
        client.get(reverse("admin:notifications_notification_preview", args=["split_package"])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:notifications_notification_render", args=[notification.pk])).status_code
        == 200
    )
    chosen = {"action": "send_again", ACTION_CHECKBOX_NAME: [str(notification.pk)]}
    assert client.post(url, chosen).status_code == 200  # the confirmation page
    assert Notification.objects.filter(resend_of=notification).count() == 0
    response = client.post(url, {**chosen, "confirm": "yes"})
    assert response.status_code == 302
    assert Notification.objects.filter(resend_of=notification).count() == 1
    # nothing else: the outbound jobs, the accounts
    assert client.get(reverse("admin:integration_server_outboundjob_changelist")).status_code == 403
    assert client.get(reverse("admin:marketplaces_marketplaceaccount_changelist")).status_code == 403
    actions = client.get(url).context["action_form"].fields["action"].choices
    assert not [value for value, _label in actions if "export" in value]


def test_ops_may_do_everything_in_the_project_apps_but_not_manage_users():
    ops = Group.objects.get(name="Ops")
    codes = set(ops.permissions.values_list("content_type__app_label", "codename"))
    assert ("integration_server", "change_outboundjob") in codes
    assert ("notifications", "resend_notification") in codes
    assert ("marketplaces", "change_marketplaceaccount") in codes
    assert not {app for app, _ in codes} & {"auth", "admin", "sessions", "contenttypes"}


def test_role_groups_are_created_again_without_duplicates():
    from django.core.management import call_command

    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    call_command("sync_roles", verbosity=0)
    call_command("sync_roles", verbosity=0)
    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert before == after
    assert {"Customer service", "Ops"} <= set(after)


def test_a_user_with_only_view_outboundjob_cannot_cancel_a_job(staff_client):
    from integration_server.models import OutboundJob

    _grant(staff_client.user, "integration_server.view_outboundjob")
    job = OutboundJob.objects.create(kind="test.noop", dedupe_key="perm-1", payload={})
    url = reverse("admin:integration_server_outboundjob_changelist")
    staff_client.post(url, {"action": "cancel", ACTION_CHECKBOX_NAME: [str(job.pk)]})
    job.refresh_from_db()
    assert job.state == OutboundJob.State.PENDING
