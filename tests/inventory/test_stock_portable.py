"""The ORM paths used on databases other than PostgreSQL (the SQLite first run), exercised on PostgreSQL by
re-running the main scenarios with the set-based SQL switched off."""

import pytest

from inventory.services import sql_lists

from .test_stock_publishing import (  # noqa: F401 - collected again here
    test_only_changed_quantities_are_pushed,
    test_rejections_are_recorded_per_sku_with_the_reason,
)
from .test_stock_shadow import (  # noqa: F401
    test_cancellation_before_shipment_gives_units_back_once,
    test_depletion_publishes_zero_everywhere_and_records_one_event,
    test_low_stock_rebalance_pushes_only_that_skus_changed_quantities,
    test_order_decrements_shadow_once_even_when_announced_twice,
    test_units_ordered_before_a_zoho_reset_are_not_given_back,
)
from .test_stock_zoho_sync import (  # noqa: F401
    test_resync_of_1000_skus_pushes_exactly_the_formula_in_the_fewest_calls,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def portable(monkeypatch):
    monkeypatch.setattr(sql_lists, "FORCE_PORTABLE", True)
