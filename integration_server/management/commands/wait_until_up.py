"""bin/serve's start-up gate: returns once the web answers and the worker has written a fresh heartbeat, so
"up" is never printed before /healthz can say OK about the worker."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from integration_server.health import collect_health
from integration_server.models import WorkerHeartbeat


def web_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local health URL
            return True
    except urllib.error.HTTPError:
        return True  # 503 is an answer: the web is up, health is judged below
    except OSError:
        return False


def fresh_heartbeat(since) -> bool:
    return WorkerHeartbeat.objects.filter(name="worker", beat_at__gte=since).exists()


class Command(BaseCommand):
    help = "Wait until the web answers and the worker has beaten since this command started."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/healthz")
        parser.add_argument("--timeout", type=float, default=120)

    def handle(self, *args, url, timeout, **options):
        from django_q.tasks import async_task

        started = timezone.now()
        # The sweep writes the heartbeat; run one now rather than at the scheduler's first tick.
        async_task("integration_server.outbox.tasks.sweep")
        deadline = time.monotonic() + timeout
        web = beat = False
        while time.monotonic() < deadline:
            web = web or web_answers(url)
            beat = beat or fresh_heartbeat(started)
            if web and beat:
                health = collect_health()
                for problem in health["problems"]:
                    self.stdout.write(f"  health problem: {problem}")
                return
            time.sleep(0.5)
        missing = [name for name, ok in (("web", web), ("worker heartbeat", beat)) if not ok]
        raise CommandError(f"not up after {timeout:.0f} s: no {' and no '.join(missing)}")
