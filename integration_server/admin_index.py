"""The admin's front page with the service's health on top."""

from django.contrib import admin

from integration_server.health import collect_health


def ops_admin_index(request):
    return admin.site.index(request, extra_context={"health": collect_health()})
