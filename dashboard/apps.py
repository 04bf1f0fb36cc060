from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The admin's front page: the day's figures, charts (vendored uPlot) and what needs attention."""

    name = "dashboard"
    verbose_name = "Dashboard"
