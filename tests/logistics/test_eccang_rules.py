"""After-sales rules, the editable status mapping and the configurable field names. No official fixture
exists: items are built from the source doc's getOrder example (see eccang_support.order_item)."""

from __future__ import annotations

import pytest

from logistics.eccang.orders import Rule, matching_rule, meaning_of, parse_order
from logistics.eccang.services import process_orders
from logistics.models import (
    DEFAULT_FIELD_NAMES,
    EccangAfterSalesRule,
    EccangOrderStatus,
    EccangStatusMapping,
    TrackedShipment,
)
from tests.plugins.eccang import order_item

Kind = EccangAfterSalesRule.Kind


def parsed(**overrides):
    reference = overrides.pop("reference_no", "SO-9")
    return parse_order(order_item(reference, **overrides), lambda m: DEFAULT_FIELD_NAMES[m])


@pytest.mark.parametrize(
    ("rule", "matching", "other"),
    [
        (
            Rule("shipping_method", ("AS-PARTS", "AS2")),
            {"shipping_method": "as-parts"},
            {"shipping_method": "PK0068"},
        ),
        (Rule("cargo_type", ("3",)), {"mail_cargo_type": "3"}, {"mail_cargo_type": "1"}),
        (Rule("warehouse_code", ("WH-AS",)), {"warehouse_code": "WH-AS"}, {"warehouse_code": "WH01"}),
        (Rule("reference_prefix", ("AS-",)), {"reference_no": "AS-1001"}, {"reference_no": "SO-1001"}),
        (Rule("return_flag", ("Y",)), {"is_return": "Y"}, {"is_return": "N"}),
    ],
)
def test_each_rule_kind_matches_its_field_only(rule, matching, other):
    assert matching_rule(parsed(**matching), [rule]) == rule
    assert matching_rule(parsed(**other), [rule]) is None


def test_no_rules_means_no_order_is_after_sales():
    for overrides in ({}, {"is_return": "Y"}, {"shipping_method": "AS-PARTS"}, {"reference_no": "AS-1"}):
        assert matching_rule(parsed(**overrides), []) is None


def test_unmapped_status_means_other_and_mapping_is_case_insensitive():
    mapping = {"S": "shipped", "X": "cancelled"}
    assert meaning_of("S", mapping) == "shipped"
    assert meaning_of("s", mapping) == "shipped"
    assert meaning_of("X", mapping) == "cancelled"
    assert meaning_of("D", mapping) == "other"


@pytest.mark.django_db
def test_no_rule_set_nothing_tracked_even_when_shipped(eccang_account):
    counts = process_orders(eccang_account, [order_item("AS-1", "S", is_return="Y")])
    assert (counts.new, counts.after_sales, counts.tracked) == (1, 0, 0)
    row = EccangOrderStatus.objects.get()
    assert (row.after_sales, row.outcome) == (False, "not after-sales")
    assert not TrackedShipment.objects.exists()


@pytest.mark.django_db
def test_disabled_rule_does_not_count(eccang_account):
    EccangAfterSalesRule.objects.create(
        account=eccang_account, kind=Kind.RETURN_FLAG, values="Y", enabled=False
    )
    assert process_orders(eccang_account, [order_item("AS-1", "S", is_return="Y")]).after_sales == 0


@pytest.mark.django_db
def test_status_mapping_edits_change_what_is_tracked(eccang_account, after_sales_rule):
    # defaults from the reference: P other, S shipped, C shipped, E a problem the customer is told about
    assert dict(eccang_account.status_mappings.values_list("code", "meaning")) == {
        "C": "shipped",
        "E": "problem",
        "P": "other",
        "S": "shipped",
    }
    EccangStatusMapping.objects.filter(account=eccang_account, code="S").update(meaning="other")
    EccangStatusMapping.objects.create(account=eccang_account, code="D", meaning="shipped")
    EccangStatusMapping.objects.create(account=eccang_account, code="X", meaning="cancelled")
    items = [
        order_item("R1", "S", shipping_method="AS-PARTS"),
        order_item("R2", "D", shipping_method="AS-PARTS"),
        order_item("R3", "X", shipping_method="AS-PARTS"),
    ]
    counts = process_orders(eccang_account, items)
    assert (counts.after_sales, counts.tracked) == (3, 1)
    assert list(TrackedShipment.objects.values_list("tracking_number", "order_number", "source")) == [
        ("TRKR2", "R2", "eccang")
    ]
    assert dict(EccangOrderStatus.objects.values_list("reference_no", "meaning")) == {
        "R1": "other",
        "R2": "shipped",
        "R3": "cancelled",
    }


@pytest.mark.django_db
def test_configurable_field_names_and_the_tracking_fallback(eccang_account, after_sales_rule):
    eccang_account.field_names = {"reference_no": ["refrence_no"], "email": ["buyer_email"]}
    item = order_item("", "S", shipping_method="AS-PARTS", shipper_hawbcode="", buyer_email="bo@example.com")
    del item["reference_no"]
    item["refrence_no"] = "AS-77"
    counts = process_orders(eccang_account, [item, {"status": "S"}])
    assert (counts.malformed, counts.tracked) == (1, 1)
    shipment = TrackedShipment.objects.get()
    # shipper_hawbcode empty -> channel_hawbcode; name from the default Consignee.consignee_name
    assert (shipment.tracking_number, shipment.order_number) == ("34161184947327", "AS-77")
    assert (shipment.recipient_email, shipment.customer_name) == ("bo@example.com", "Ana Ortiz")


@pytest.mark.django_db
def test_shipped_without_tracking_number_is_recorded_not_tracked(eccang_account, after_sales_rule):
    item = order_item("R9", "S", shipping_method="AS-PARTS", shipper_hawbcode="", channel_hawbcode="")
    counts = process_orders(eccang_account, [item])
    assert (counts.tracked, counts.no_tracking_number) == (0, 1)
    assert EccangOrderStatus.objects.get().outcome == "shipped without a tracking number"


@pytest.mark.django_db
def test_tracking_number_arriving_after_the_status_is_tracked_without_a_new_row(
    eccang_account, after_sales_rule
):
    no_number = order_item("R10", "S", shipping_method="AS-PARTS", shipper_hawbcode="", channel_hawbcode="")
    assert process_orders(eccang_account, [no_number]).no_tracking_number == 1
    assert process_orders(eccang_account, [no_number]).tracked == 0  # a plain repeat changes nothing
    counts = process_orders(eccang_account, [order_item("R10", "S", shipping_method="AS-PARTS")])
    assert (counts.new, counts.repeated, counts.late_tracking, counts.tracked) == (0, 1, 1, 1)
    row = EccangOrderStatus.objects.get()
    assert (row.tracking_number, row.tracked_shipment.tracking_number) == ("TRKR10", "TRKR10")
    again = process_orders(eccang_account, [order_item("R10", "S", shipping_method="AS-PARTS")])
    assert (again.late_tracking, again.tracked) == (0, 0)
    assert TrackedShipment.objects.count() == 1


@pytest.mark.django_db
def test_every_distinct_status_value_is_remembered(eccang_account):
    process_orders(eccang_account, [order_item("R1", "P"), order_item("R2", "W")])
    process_orders(eccang_account, [order_item("R1", "S")])
    eccang_account.refresh_from_db()
    assert eccang_account.seen_statuses == ["P", "S", "W"]
