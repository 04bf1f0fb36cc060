from django.conf import settings
from django.core.management.base import BaseCommand

from integration_server.raw_payloads import purge_raw_payloads


class Command(BaseCommand):
    help = "Delete raw payloads older than the retention period (RAW_PAYLOAD_RETENTION_DAYS, default 90)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days, **options):
        days = settings.RAW_PAYLOAD_RETENTION_DAYS if days is None else days
        deleted = purge_raw_payloads(days)
        self.stdout.write(self.style.SUCCESS(f"Purged {deleted} raw payload(s) older than {days} days."))
