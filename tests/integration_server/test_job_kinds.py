"""Every job kind, declared on its handler: one naming style, the retry policy of SPEC 4 pinned."""

from __future__ import annotations

import re

from integration_server.outbox.registry import policy_for, registered_kinds

# kind: (retries after the first try, jobs per claim)
KINDS = {
    "alerts.send_email": (5, 1),
    "alerts.send_sms": (5, 1),
    "notifications.send_email": (5, 10),
    "orders.acknowledge": (5, 1),
    "orders.confirm_acknowledgement": (5, 1),
    "orders.push_tracking": (5, 1),
    "shipstation.cancel_order": (3, 100),
    "shipstation.create_order": (3, 100),
    "stock.confirm": (3, 1),
    "stock.push": (3, 20),
    "stock.reallocate": (3, 1),
    "tracking.register": (5, 40),
    "webhook.17track": (5, 25),
    "webhook.eccang": (5, 1),
    "webhook.shipstation": (3, 1),
    "webhook.shopify": (5, 1),
    "webhook.zoho": (3, 1),
}


def test_the_application_declares_exactly_these_kinds_with_their_policy():
    declared = {k: (policy_for(k).max_retries, policy_for(k).batch_size) for k in registered_kinds()}
    assert declared == KINDS


def test_every_kind_follows_one_naming_style_and_has_a_description():
    for kind in KINDS:
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+(_[a-z0-9]+)*", kind), kind
        assert policy_for(kind).description, kind


def test_a_kind_declared_in_a_block_of_registrations_restored_is_gone_after_it():
    from integration_server.outbox import job_kind
    from integration_server.restorable import registrations_restored

    with registrations_restored():

        @job_kind("test.passing", retries=1)
        def passing(job):
            """Passes."""

        assert policy_for("test.passing").max_retries == 1
        assert policy_for("test.passing").description == "Passes."
    assert policy_for("test.passing") is None
