"""Reading Zoho item records: the configured stock field with its fallback, bad figures rejected."""

from datetime import UTC, datetime

import pytest

from inventory.zoho_items import InvalidStock, item_of, modified_at, stock_value, zoho_stock

FIELD, FALLBACK = "actual_available_for_sale_stock", "actual_available_stock"


@pytest.mark.parametrize(("value", "expected"), [(7, 7), ("12", 12), (3.0, 3), ("4.75", 4), (0, 0)])
def test_stock_values(value, expected):
    assert stock_value({FIELD: value}, FIELD, FALLBACK) == expected


@pytest.mark.parametrize("value", [-1, "-2", "abc", "", "NaN", "Infinity", True, [3]])
def test_bad_stock_values_are_rejected(value):
    with pytest.raises(InvalidStock):
        stock_value({FIELD: value}, FIELD, FALLBACK)


def test_fallback_and_missing():
    assert stock_value({FALLBACK: 5}, FIELD, FALLBACK) == 5
    assert stock_value({FIELD: 2, FALLBACK: 5}, FIELD, FALLBACK) == 2
    with pytest.raises(InvalidStock):
        stock_value({"stock_on_hand": 5}, FIELD, FALLBACK)


def test_record_shapes_and_times():
    item = {"item_id": 42, "sku": " A-1 ", FIELD: 3, "last_modified_time": "2026-11-23T10:00:00+0530"}
    assert item_of({"item": item}) is item and item_of(item) is item
    record = zoho_stock(item, FIELD, FALLBACK)
    assert (record.sku, record.item_id, record.available) == ("A-1", "42", 3)
    assert record.modified_at == datetime(2026, 11, 23, 4, 30, tzinfo=UTC)
    assert modified_at({"last_modified_time": "garbage"}) is None
    with pytest.raises(InvalidStock):
        item_of(["not", "an", "item"])
