"""Actions on one record, as buttons on its detail page: each button opens a confirmation page that says what
will happen; only its POST does it. Every action names the permission it needs (checked for the button and for
the view), and may say when it does not apply to a record (the button is then not shown).

    class JobAdmin(ObjectActionsMixin, admin.ModelAdmin):
        object_actions = [ObjectAction("retry", "Retry now", "app.change_job", explain=..., run=...)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse


def _always(obj) -> bool:
    return True


@dataclass(frozen=True)
class ObjectAction:
    name: str  # the URL's last part
    label: str  # the button, and the confirmation's submit
    permission: str  # "app_label.codename"
    explain: Callable[[object], str]  # what will happen, in words, for this record
    run: Callable[[object, object], str]  # (request, obj) -> the message shown afterwards
    applies: Callable[[object], bool] = _always


class ObjectActionsMixin:
    object_actions: list[ObjectAction] = []
    change_form_template = "admin/object_actions/change_form.html"

    def _action_url_name(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_object_action"

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/do/<slug:action>/",
                self.admin_site.admin_view(self.object_action_view),
                name=self._action_url_name(),
            )
        ]
        return extra + super().get_urls()

    def actions_for(self, request, obj) -> list[ObjectAction]:
        return [
            a
            for a in self.object_actions
            if request.user.has_perm(a.permission) and obj is not None and a.applies(obj)
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        buttons = [
            (a.label, reverse(f"admin:{self._action_url_name()}", args=[obj.pk, a.name]))
            for a in self.actions_for(request, obj)
        ]
        return super().change_view(
            request,
            object_id,
            form_url,
            extra_context={**(extra_context or {}), "object_action_buttons": buttons},
        )

    def object_action_view(self, request, object_id, action):
        chosen = next((a for a in self.object_actions if a.name == action), None)
        if chosen is None:
            # a user allowed none of these actions learns nothing about which exist
            if not any(request.user.has_perm(a.permission) for a in self.object_actions):
                raise PermissionDenied
            raise Http404("no such action")
        if not request.user.has_perm(chosen.permission):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404("no such record")
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        if not chosen.applies(obj):
            self.message_user(
                request, f"“{chosen.label}” does not apply to {obj} any more.", messages.WARNING
            )
            return HttpResponseRedirect(back)
        if request.method == "POST":
            self.message_user(request, chosen.run(request, obj), messages.SUCCESS)
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{chosen.label}: are you sure?",
            "opts": opts,
            "object": obj,
            "action": chosen,
            "explanation": chosen.explain(obj),
            "back_url": back,
        }
        return TemplateResponse(request, "admin/object_actions/confirm.html", context)
