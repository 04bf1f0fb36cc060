from django.contrib import admin
from django.urls import include, path

from dashboard.views import ops_admin_index
from integration_server.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.admin_view(ops_admin_index), name="ops-admin-index"),
    path("admin/", admin.site.urls),
    path("webhook/", include("integration_server.webhook_urls")),
]
