"""Per-SKU ratio overrides as CSV/XLSX (django-import-export): columns sku, account (the account's name),
ratio, note. Every row is validated; a file with any bad row imports nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from import_export import fields, resources
from import_export.widgets import DecimalWidget, ForeignKeyWidget

from inventory.models import SkuRatioOverride
from marketplaces.models import MarketplaceAccount


class AccountByNameWidget(ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError("[account] an account name is required")
        try:
            return super().clean(value, row=row, **kwargs)
        except MarketplaceAccount.DoesNotExist:
            raise ValueError(f"[account] no marketplace account named {value!r}") from None


class RatioWidget(DecimalWidget):
    """A ratio in words when it is not one (the plain widget raises decimal.ConversionSyntax)."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if text == "":
            raise ValueError("a ratio is required (a share of the stock from 0 to 1.5, e.g. 0.25)")
        try:
            return Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
        except InvalidOperation:
            raise ValueError(f"“{text}” is not a number: write the ratio like 0.25") from None


class SkuRatioOverrideResource(resources.ModelResource):
    account = fields.Field(
        attribute="account", column_name="account", widget=AccountByNameWidget(MarketplaceAccount, "name")
    )
    ratio = fields.Field(attribute="ratio", column_name="ratio", widget=RatioWidget())

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
        row["sku"] = str(row.get("sku") or "").strip()


def import_overrides(dataset, *, dry_run: bool = False):
    """Import a tablib dataset; any row error or validation error rolls the whole file back."""
    return SkuRatioOverrideResource().import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
