"""Re-encrypt every encrypted column with the newest key (the first of ENCRYPTION_KEYS)."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from integration_server.crypto import is_ciphertext, key_id_of, keyring
from integration_server.fields import encrypted_fields
from integration_server.progress import ProgressLine


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of ENCRYPTION_KEYS, in batches, with progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-encrypted.")

    def handle(self, *args, batch_size, dry_run, **options):
        current = keyring().current_id
        total_rewritten = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            label = model._meta.label
            names = [f.attname for f in fields]
            columns = [f.column for f in fields]
            pk = model._meta.pk.attname
            count = model.objects.count()
            done = rewritten = 0
            last = None
            line = ProgressLine(self.stdout)
            while True:
                qs = model.objects.order_by(pk).only(pk, *names)
                if last is not None:
                    qs = qs.filter(**{f"{pk}__gt": last})
                batch = list(qs[:batch_size])
                if not batch:
                    break
                last = getattr(batch[-1], pk)
                stale = self._stale_pks(model, columns, [getattr(o, pk) for o in batch], current)
                todo = [o for o in batch if getattr(o, pk) in stale]
                if todo and not dry_run:
                    with transaction.atomic():
                        model.objects.bulk_update(todo, names)
                rewritten += len(todo)
                done += len(batch)
                line.update(done, count, f"{label}: {rewritten} re-encrypted")
            line.close()
            self.stdout.write(f"{label}: {done}/{count} read, {rewritten} re-encrypted")
            total_rewritten += rewritten
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"Done: {verb} {total_rewritten} row(s) with key {current}."))

    @staticmethod
    def _stale_pks(model, columns, pks, current):
        """Rows with any value not under the current key, read as stored (no decryption)."""
        table = model._meta.db_table
        pk_col = model._meta.pk.column
        from django.db import connection

        quote = connection.ops.quote_name
        cols = ", ".join(quote(c) for c in columns)
        placeholders = ", ".join(["%s"] * len(pks))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(pk_col)}, {cols} FROM {quote(table)} WHERE {quote(pk_col)} IN ({placeholders})",  # noqa: S608
                pks,
            )
            rows = cursor.fetchall()
        return {
            row[0]
            for row in rows
            if any(v is not None and (not is_ciphertext(v) or key_id_of(v) != current) for v in row[1:])
        }
