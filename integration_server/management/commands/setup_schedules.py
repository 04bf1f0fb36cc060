from django.core.management.base import BaseCommand

from integration_server.schedules import ensure_schedules, registered_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules of every app (idempotent: one row per name)."

    def handle(self, *args, **options):
        result = ensure_schedules()
        for spec in registered_schedules():
            every = f"every {spec.minutes} min" if spec.minutes else f"cron {spec.cron}"
            self.stdout.write(f"  {spec.name}: {spec.func} ({every})")
        self.stdout.write(
            self.style.SUCCESS(
                f"Schedules: {result['total']} registered, {result['created']} created, {result['updated']} updated."
            )
        )
