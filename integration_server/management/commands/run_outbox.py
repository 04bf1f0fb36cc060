from django.core.management.base import BaseCommand

from integration_server.outbox.runner import recover_expired_leases, run_due_jobs


class Command(BaseCommand):
    help = "Run every due outbound job now, in this process (the worker does this continuously)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", default=None)

    def handle(self, *args, kind, **options):
        recovered = recover_expired_leases()
        ran = run_due_jobs(kind)
        self.stdout.write(self.style.SUCCESS(f"Ran {ran} job(s); {recovered} lost job(s) made due again."))
