"""The admin's front page: service health, then the day's figures and charts, then the app list."""

from django.contrib import admin
from django.utils.dateparse import parse_datetime

from dashboard import figures
from integration_server.health import collect_health, problems_needing_attention


def ops_admin_index(request):
    if not request.user.has_perm("integration_server.view_outboundjob"):
        # The figures span every app; an account without this view permission gets the plain app list.
        return admin.site.index(request)
    board = figures.collect()
    health = _for_display(collect_health())
    attention = problems_needing_attention()
    linked = {item.text for item in attention}
    return admin.site.index(
        request,
        extra_context={
            "health": health,
            "attention": attention,
            # the kernel's own problems (database, heartbeat, schedules) that no linked item already says
            "other_problems": [p for p in health.get("problems", []) if p not in linked],
            "other_warnings": [w for w in health.get("warnings", []) if w not in linked],
            "board": board,
            "charts": board.charts,
        },
    )


def _for_display(health: dict) -> dict:
    """Schedule times as datetimes, so the page shows them in the operator's time zone, to the second."""
    for run in health.get("schedules", {}).values():
        if run.get("last_success_at"):
            run["last_success_at"] = parse_datetime(run["last_success_at"])
    return health
