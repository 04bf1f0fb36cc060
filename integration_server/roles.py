"""The two admin roles as Django groups, defined here and (re)applied by ``manage.py sync_roles`` and after
every ``migrate``: customer service searches, previews and resends customer emails; ops may do everything in
the service's own apps (and the task queue) but manage no users. A group's permissions are set to exactly
these, so a permission added to the code reaches the groups at the next migrate."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

CUSTOMER_SERVICE = "Customer service"
OPS = "Ops"

CUSTOMER_SERVICE_PERMISSIONS = (
    "notifications.view_notification",
    "notifications.view_notificationevent",
    "notifications.preview_notification",
    "notifications.resend_notification",
)
OPS_APPS = (
    "integration_server",
    "marketplaces",
    "inventory",
    "logistics",
    "notifications",
    "alerts",
    "django_q",
)


def _permissions(full_names) -> list[Permission]:
    query = Q(pk__in=[])
    for full in full_names:
        app_label, codename = full.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def sync_roles() -> dict[str, int]:
    """Create or update both groups; returns the number of permissions of each."""
    roles = {
        CUSTOMER_SERVICE: _permissions(CUSTOMER_SERVICE_PERMISSIONS),
        OPS: list(Permission.objects.filter(content_type__app_label__in=OPS_APPS)),
    }
    for name, permissions in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
    return {name: len(permissions) for name, permissions in roles.items()}
