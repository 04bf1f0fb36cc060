from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The admin's front page: the day's figures, charts (vendored uPlot) and what needs attention."""

    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self):
        from django.contrib import admin

        admin.site.site_header = "Integration server · operations"
        admin.site.site_title = "Integration server"
        admin.site.index_title = "Today at a glance"
