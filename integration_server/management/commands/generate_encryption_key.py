from django.core.management.base import BaseCommand

from integration_server.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new random AES-256 key for ENCRYPTION_KEYS (put it first to rotate, keep the old ones after)."

    def handle(self, *args, **options):
        self.stdout.write(generate_key())
