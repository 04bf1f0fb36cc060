"""Accounts on the local simulators, so a first run shows the whole flow with nothing configured."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create demo accounts pointing at the local simulators (manage.py run_simulators). Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any marketplace account exists already."
        )

    def handle(self, *args, if_empty, **options):
        if if_empty and apps.get_model("marketplaces", "MarketplaceAccount").objects.exists():
            self.stdout.write("Accounts exist already: no demo data added.")
            return
        with transaction.atomic():
            for config in apps.get_app_configs():  # each app seeds its own rows, in INSTALLED_APPS order
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                for line in module.seed():
                    self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS("Demo accounts ready; the simulators serve them on 127.0.0.1:8101-8111.")
        )
