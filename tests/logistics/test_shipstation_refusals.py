"""ShipStation per-order refusals (issue 8, points 1 and 2), through the Amazon and ShipStation simulators:
only "already shipped / cancelled, cannot be updated" counts as done; a refusal about the data fails at once,
visibly on the order, and the order can be sent again once fixed."""

from __future__ import annotations

import pytest

from integration_server.models import OutboundJob
from logistics.models import ShipStationOrder
from logistics.shipstation import outbound
from logistics.shipstation.outbound import CREATE_KIND
from logistics.shipstation.refusals import Refusal, classify_refusal
from marketplaces.models import Order
from marketplaces.services.pull import pull_orders

ADDRESS_REFUSAL = "This order cannot be shipped: the ship-to address is incomplete."


@pytest.mark.parametrize(
    "message, kind",
    [
        ("The order is shipped and cannot be updated.", Refusal.NOT_UPDATABLE),
        ("The order is cancelled and cannot be updated.", Refusal.NOT_UPDATABLE),
        ("Order has already been canceled; it can't be modified.", Refusal.NOT_UPDATABLE),
        ("Cannot update an order that has been shipped.", Refusal.NOT_UPDATABLE),
        (ADDRESS_REFUSAL, Refusal.UNSURE),
        ("Orders marked shipped elsewhere", Refusal.UNSURE),
        ("Invalid ShipTo country code 'XX'.", Refusal.DATA),
        ("orderDate required.", Refusal.DATA),
        ("An error has occurred.", Refusal.TRANSIENT),
    ],
)
def test_refusal_wording(message, kind):
    assert classify_refusal(message) is kind


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Jobs queued by the block run when it commits (as the worker is poked after commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _create_job(order: Order) -> OutboundJob:
    return OutboundJob.objects.filter(kind=CREATE_KIND, payload__order_id=order.pk).order_by("-pk").first()


@pytest.mark.django_db
def test_refusal_mentioning_shipped_is_not_success_it_fails_at_once_on_the_order(flow, run_jobs):
    ss, amz, _, account = flow
    amz.add_order("113-0000000-0000101", items=[{"sku": "BIKE", "quantity": 1, "price": "999.00"}])
    ss.refuse("amazon:113-0000000-0000101", ADDRESS_REFUSAL)

    with run_jobs():
        pull_orders(account)

    order = Order.objects.get(marketplace_order_id="113-0000000-0000101")
    job = _create_job(order)
    assert ss.order_by_key("amazon:113-0000000-0000101") is None
    assert (job.state, job.attempts, job.retries_used) == ("failed", 1, 0)  # no retry of a data refusal
    assert ADDRESS_REFUSAL in job.last_error
    row = ShipStationOrder.objects.get(order=order)
    assert row.state == ShipStationOrder.State.REFUSED and row.shipstation_order_id is None
    assert order.state == Order.State.FLAGGED and ADDRESS_REFUSAL in order.problem
    assert list(
        Order.objects.filter(problem_kind=Order.ProblemKind.SHIPSTATION_REFUSED).values_list("pk", flat=True)
    ) == [order.pk]
    # the read by orderKey confirmed ShipStation holds nothing under that key
    reads = [c for c in ss.calls("GET", "/orders") if c.path == "/orders"]
    assert [c.arg("orderNumber") for c in reads] == ["113-0000000-0000101"]

    # ops fix the data, then "Send to ShipStation again"
    ss.refuse("amazon:113-0000000-0000101", None)
    with run_jobs():
        assert outbound.send_again([order.pk]) == 1
    order.refresh_from_db()
    assert order.state == Order.State.SENT and order.problem == "" and order.problem_kind == ""
    row.refresh_from_db()
    assert row.state == ShipStationOrder.State.CREATED
    assert row.shipstation_order_id == ss.order_by_key("amazon:113-0000000-0000101")["orderId"]


@pytest.mark.django_db
def test_invalid_country_is_a_data_refusal_not_retried(flow, run_jobs):
    ss, amz, _, account = flow
    record = amz.add_order("113-0000000-0000102", items=[{"sku": "BIKE", "quantity": 1, "price": "999.00"}])
    record["recipient"]["deliveryAddress"]["countryCode"] = "USA"

    with run_jobs():
        pull_orders(account)

    order = Order.objects.get(marketplace_order_id="113-0000000-0000102")
    job = _create_job(order)
    assert (job.state, job.attempts, job.retries_used) == ("failed", 1, 0)
    assert order.state == Order.State.FLAGGED and "country" in order.problem
    assert len(ss.calls("POST", "/orders/createorders")) == 1


@pytest.mark.django_db
def test_update_of_an_order_shipstation_holds_shipped_counts_as_done(flow, run_jobs):
    ss, amz, _, account = flow
    amz.add_order("113-0000000-0000103", items=[{"sku": "BIKE", "quantity": 1, "price": "999.00"}])
    with run_jobs():
        pull_orders(account)
    order = Order.objects.get(marketplace_order_id="113-0000000-0000103")
    ss.ship_order("amazon:113-0000000-0000103", notify=False)

    # The precise wording: taken at its word.
    with run_jobs():
        assert outbound.send_again([order.pk]) == 1
    job = _create_job(order)
    assert job.state == "succeeded"
    assert job.attempt_rows.get().result["note"].startswith("already shipped")

    # A vaguer message: confirmed by reading the order, which ShipStation holds shipped.
    ss.refuse("amazon:113-0000000-0000103", "Order was shipped.")
    with run_jobs():
        assert outbound.send_again([order.pk]) == 1
    assert _create_job(order).state == "succeeded"
    assert ShipStationOrder.objects.get(order=order).state == ShipStationOrder.State.CREATED
    assert [c.arg("orderNumber") for c in ss.calls("GET", "/orders") if c.path == "/orders"] == [
        "113-0000000-0000103"
    ]


@pytest.mark.django_db
def test_a_passing_server_error_is_retried_3_times_and_the_admin_counts_retries_not_attempts(
    flow, admin_client, run_jobs
):
    from django.urls import reverse
    from django.utils import timezone

    from integration_server.outbox.runner import run_due_jobs

    ss, amz, _, account = flow
    amz.add_order("113-0000000-0000104", items=[{"sku": "BIKE", "quantity": 1, "price": "999.00"}])
    ss.refuse("amazon:113-0000000-0000104", "An error has occurred.")
    with run_jobs():
        pull_orders(account)
    order = Order.objects.get(marketplace_order_id="113-0000000-0000104")
    for _ in range(3):
        OutboundJob.objects.filter(kind=CREATE_KIND).update(next_attempt_at=timezone.now())
        with run_jobs():
            run_due_jobs(CREATE_KIND)

    job = _create_job(order)
    assert (job.state, job.attempts) == ("failed", 4)
    assert ShipStationOrder.objects.get(order=order).state == ShipStationOrder.State.FAILED
    page = admin_client.get(reverse("admin:integration_server_outboundjob_changelist")).content.decode()
    assert '<td class="field-retries">3</td>' in page
    detail = admin_client.get(reverse("admin:integration_server_outboundjob_change", args=[job.pk]))
    assert "retries used" in detail.content.decode().lower()


@pytest.mark.django_db
def test_a_cancellation_shipstation_refuses_because_it_already_shipped_is_shown_on_the_order(flow, run_jobs):
    from datetime import timedelta

    from django.utils import timezone

    ss, amz, _, account = flow
    amz.add_order("113-0000000-0000105", items=[{"sku": "BIKE", "quantity": 1, "price": "999.00"}])
    with run_jobs():
        pull_orders(account)
    ss.ship_order("amazon:113-0000000-0000105", notify=False)  # we have not heard of the label yet
    amz.set_status("113-0000000-0000105", "CANCELLED")
    with run_jobs():
        pull_orders(account, since=timezone.now() - timedelta(days=1))

    order = Order.objects.get(marketplace_order_id="113-0000000-0000105")
    row = ShipStationOrder.objects.get(order=order)
    assert row.state == ShipStationOrder.State.CREATED and "Not cancelled" in row.last_error
    assert "already shipped" in order.problem
    assert ss.order_by_key("amazon:113-0000000-0000105")["orderStatus"] == "shipped"


@pytest.mark.django_db
def test_already_shipped_for_an_order_shipstation_never_held_is_checked_and_fails_visibly(flow, run_jobs):
    ss, amz, _, account = flow
    amz.add_order("113-0000000-0000106", items=[{"sku": "BIKE", "quantity": 1, "price": "999.00"}])
    ss.refuse("amazon:113-0000000-0000106", "The order is shipped and cannot be updated.")
    with run_jobs():
        pull_orders(account)

    order = Order.objects.get(marketplace_order_id="113-0000000-0000106")
    assert _create_job(order).state == "failed"
    assert ShipStationOrder.objects.get(order=order).state == ShipStationOrder.State.REFUSED
    assert order.state == Order.State.FLAGGED and "cannot be updated" in order.problem


def test_a_failed_read_back_leaves_the_order_to_retry_not_done_and_not_refused():
    from integration_server.http.errors import RetryableError, ThrottledError
    from logistics.shipstation.outbound import ShipStationRefusedOrder, outcomes_from_answer

    answer = {"results": [{"orderKey": k, "success": False, "errorMessage": ADDRESS_REFUSAL} for k in "ab"]}

    def read_back(job_id, result):
        if result["orderKey"] == "a":
            raise RetryableError("GET /orders failed", status=503)
        raise ThrottledError("budget", wait_seconds=20)

    outcomes = outcomes_from_answer({1: "a", 2: "b"}, answer, read_back=read_back)
    assert type(outcomes[1]) is RetryableError and not isinstance(outcomes[1], ShipStationRefusedOrder)
    assert isinstance(outcomes[2], ThrottledError) and outcomes[2].wait_seconds == 20
