"""The tracking schedule, simulator and provider, and the demo story; called from LogisticsConfig.ready()."""

from __future__ import annotations


def register_schedules_and_simulators() -> None:
    from integration_server.schedules import register_schedule
    from integration_server.simulators import register_simulator
    from logistics.tracking import conf
    from logistics.tracking import track17 as _track17  # noqa: F401 - registers the 17TRACK provider

    register_schedule(
        "track17-poll",
        "logistics.tracking.tasks.poll_tracking_task",
        minutes=conf.TRACK17_POLL_INTERVAL_MINUTES,
    )

    def _track17_sim():
        from logistics.tracking.simulator import Track17Simulator

        return Track17Simulator()

    from integration_server.simulators.base import register_demo_story
    from logistics.demo_story import play

    register_demo_story(play)
    register_simulator("track17", _track17_sim, 8105)
