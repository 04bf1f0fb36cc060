"""Inlines that show history (attempts, events, lines) and never let anyone edit it."""

from django.contrib import admin


class ReadOnlyTabularInline(admin.TabularInline):
    """Rows shown as they are: every listed field read-only, nothing added, changed or deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False
