"""Create or update the admin role groups (also done after every migrate)."""

from django.core.management.base import BaseCommand

from integration_server.roles import sync_roles


class Command(BaseCommand):
    help = 'Create or update the groups "Customer service" and "Ops" with their permissions (idempotent).'

    def handle(self, *args, **options):
        for name, count in sync_roles().items():
            self.stdout.write(f"{name}: {count} permission(s)")
