"""Serve every registered vendor simulator on 127.0.0.1, each on its own port, until stopped."""

import contextlib
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from integration_server.simulators import registered_simulators, serve_in_thread
from integration_server.simulators.base import demo_story


class Command(BaseCommand):
    help = "Run the vendor API simulators (ShipStation, Amazon, Zoho, Shopify, 17TRACK ...) on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", help="Names of the simulators to run (default: all).")
        parser.add_argument("--port-offset", type=int, default=0)
        parser.add_argument(
            "--story",
            metavar="URL",
            help="Once the service at URL answers, play the demo story (logistics/demo_story.py).",
        )

    def handle(self, *args, only, port_offset, story=None, **options):
        sims = registered_simulators()
        if only:
            unknown = set(only) - set(sims)
            if unknown:
                raise CommandError(
                    f"unknown simulator(s): {', '.join(sorted(unknown))}; known: {', '.join(sims)}"
                )
            sims = {k: v for k, v in sims.items() if k in only}
        if not sims:
            self.stdout.write("No simulator is registered.")
            return
        servers, running = [], {}
        for name, (factory, port) in sorted(sims.items()):
            app = factory()
            servers.append(serve_in_thread(app, port=port + port_offset))
            running[name] = app
            self.stdout.write(f"  {name:<12} {app.base_url}")
        self.stdout.write(self.style.SUCCESS(f"{len(servers)} simulator(s) running; Ctrl-C stops them."))
        play = demo_story()
        if story and play is not None:
            threading.Thread(
                target=play, args=(story.rstrip("/"), running), kwargs={"say": self.stdout.write}, daemon=True
            ).start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        for server in servers:
            server.shutdown()
