"""The cross-app hooks and queries: every subscriber of every hook and the answerer of every query pinned (the
README's flows name the same ones), and the two types themselves."""

from __future__ import annotations

import pytest

from integration_server.hooks import Hook, Query, all_hooks, all_queries, declare_hook, declare_query

SUBSCRIBERS = {
    "accounts.changed": ["inventory.services.republish.reallocate_for_account_changes"],
    "orders.new": [
        "marketplaces.services.acknowledge.queue_acknowledgements",
        "inventory.services.shadow.decrement_for_new_orders",
        "logistics.shipstation.outbound.queue_creates",
    ],
    "orders.cancelled": [
        "inventory.services.shadow.restore_for_cancelled_orders",
        "logistics.shipstation.outbound.queue_cancels",
    ],
    "orders.edited": [
        "inventory.services.shadow.adjust_for_edited_orders",
        "logistics.shipstation.outbound.queue_updates",
    ],
    "shipments.orders_shipped": ["notifications.services.records.notify_orders_shipped"],
    "shipments.status_changed": ["notifications.services.records.notify_status_changes"],
    "shipments.aftersales_changed": ["notifications.services.records.notify_aftersales_changes"],
}

ANSWERERS = {
    "shipstation.stores": "logistics.shipstation.accounts.shipstation_stores",
    "stock.for_acceptance": "inventory.services.shadow.available_for_acceptance",
}


def test_every_hook_has_exactly_the_pinned_subscribers_in_order():
    assert {name: hook.subscriber_names() for name, hook in all_hooks().items()} == SUBSCRIBERS


def test_every_query_has_the_pinned_answerer():
    assert {name: query.answerer_name() for name, query in all_queries().items()} == ANSWERERS


def test_the_readme_names_every_subscriber():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for hook, names in SUBSCRIBERS.items():
        assert f"`{hook}`" in readme
        for name in names:
            assert f"`{name}`" in readme, name
    for query, name in ANSWERERS.items():
        assert f"`{query}`" in readme
        assert f"`{name}`" in readme, name


def _first(items):
    SEEN.append(("first", items))


def _second(items):
    SEEN.append(("second", items))


SEEN: list = []


def test_send_calls_each_subscriber_once_with_the_batch_and_nothing_for_an_empty_one():
    hook = Hook("test.hook")
    SEEN.clear()
    hook.subscribe(_first)
    hook.subscribe(_second)
    hook.subscribe(_first)  # again: still once, in its first place
    hook.send([1, 2])
    hook.send([])
    assert SEEN == [("first", [1, 2]), ("second", [1, 2])]
    assert hook.subscriber_names() == [f"{__name__}._first", f"{__name__}._second"]


def test_subscribed_adds_for_the_block_only_even_when_it_fails():
    hook = Hook("test.hook")
    hook.subscribe(_first)
    with pytest.raises(RuntimeError), hook.subscribed(_second):
        assert hook.subscriber_names() == [f"{__name__}._first", f"{__name__}._second"]
        raise RuntimeError
    assert hook.subscriber_names() == [f"{__name__}._first"]


def test_a_hook_or_query_name_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        declare_hook("orders.new")
    with pytest.raises(ValueError, match="declared twice"):
        declare_query("orders.new")
    with pytest.raises(ValueError, match="declared twice"):
        declare_hook("stock.for_acceptance")


def _answer(skus):
    return {sku: 1 for sku in skus}


def _other_answer(skus):
    return {}


def test_ask_gives_a_fresh_default_until_answered_then_the_answer():
    query = Query("test.query", default={})
    first = query.ask(["A"])
    first["A"] = 5
    assert query.ask(["A"]) == {}
    query.answer_with(_answer)
    query.answer_with(_answer)  # again: no change
    assert query.ask(["A", "B"]) == {"A": 1, "B": 1}
    assert query.answerer_name() == f"{__name__}._answer"


def test_a_second_answerer_is_an_error():
    query = Query("test.query")
    query.answer_with(_answer)
    with pytest.raises(ValueError, match="answered by"):
        query.answer_with(_other_answer)
    assert query.answerer_name() == f"{__name__}._answer"


def test_answered_replaces_the_answerer_for_the_block_only_even_when_it_fails():
    query = Query("test.query", default={})
    query.answer_with(_answer)
    with pytest.raises(RuntimeError), query.answered(_other_answer):
        assert query.ask(["A"]) == {}
        raise RuntimeError
    assert query.ask(["A"]) == {"A": 1}
    with query.answered(None):
        assert query.ask(["A"]) == {}
    assert query.answerer_name() == f"{__name__}._answer"
