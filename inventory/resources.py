"""Per-SKU ratio overrides as CSV/XLSX (django-import-export): columns sku, account (the account's name),
ratio, note. Every row is validated; a file with any bad row imports nothing."""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from inventory.models import SkuRatioOverride
from marketplaces.models import MarketplaceAccount


class AccountByNameWidget(ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError("account is required")
        try:
            return super().clean(value, row=row, **kwargs)
        except MarketplaceAccount.DoesNotExist:
            raise ValueError(f"no marketplace account named {value!r}") from None


class SkuRatioOverrideResource(resources.ModelResource):
    account = fields.Field(
        attribute="account", column_name="account", widget=AccountByNameWidget(MarketplaceAccount, "name")
    )

    class Meta:
        model = SkuRatioOverride
        fields = ("sku", "account", "ratio", "note")
        import_id_fields = ("sku", "account")
        export_order = ("sku", "account", "ratio", "note")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False
        use_transactions = True

    def before_import(self, dataset, **kwargs):
        self.touched_skus: set[str] = set()

    def after_save_instance(self, instance, row, **kwargs):
        self.touched_skus.add(instance.sku)

    def after_delete_instance(self, instance, row, **kwargs):
        self.touched_skus.add(instance.sku)

    def after_import(self, dataset, result, **kwargs):
        """The imported SKUs are reallocated (a job in the import's transaction: a dry run or a file with
        bad rows rolls it back with the rows)."""
        from inventory.services.republish import request_reallocation

        touched = getattr(self, "touched_skus", set())
        if touched and not (result.has_errors() or result.has_validation_errors()):
            request_reallocation(skus=touched, reason="per-SKU overrides imported")

    def before_import_row(self, row, **kwargs):
        sku = str(row.get("sku") or "").strip()
        row["sku"] = sku
        ratio = row.get("ratio")
        if ratio not in (None, ""):
            with contextlib.suppress(InvalidOperation):  # else the field's own validation reports it
                row["ratio"] = str(Decimal(str(ratio).strip()))


def import_overrides(dataset, *, dry_run: bool = False):
    """Import a tablib dataset; any row error or validation error rolls the whole file back."""
    return SkuRatioOverrideResource().import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
