"""The 17TRACK client and provider against the simulator: auth, batch limit, throttling, per-number errors."""

from __future__ import annotations

import pytest

from integration_server.http.errors import AuthenticationError, PermanentError, ThrottledError
from integration_server.simulators import serve_in_thread
from logistics.tracking.provider import TrackingRequest, tracking_provider
from logistics.tracking.simulator import Track17Simulator
from logistics.tracking.tasks import poll_tracking_task
from logistics.tracking.track17 import Track17Client, Track17Provider
from tests.plugins.notifications import TRACK17_KEY, recent

pytestmark = pytest.mark.usefixtures("anymail_test_backend")


def client_for(sim, key=TRACK17_KEY):
    return Track17Client(key, f"{sim.base_url}/track/v2.2")


def test_wrong_key_is_an_authentication_error(track17_sim):
    with pytest.raises(AuthenticationError):
        Track17Provider(client=client_for(track17_sim, "nope")).register([TrackingRequest("1ZABCDE1")])


def test_more_than_40_numbers_is_refused_before_calling(track17_sim):
    provider = Track17Provider(client=client_for(track17_sim))
    with pytest.raises(ValueError):
        provider.register([TrackingRequest(f"1ZN{i:06d}") for i in range(41)])
    assert track17_sim.calls() == []


def test_simulator_refuses_41_numbers_in_the_body(track17_sim):
    client = client_for(track17_sim)
    with pytest.raises(PermanentError, match="-18010013"):
        client.request("POST", "register", json=[{"number": f"1ZN{i:06d}"} for i in range(41)])


@pytest.mark.django_db  # a throttled answer pushes the shared pacing bucket back
def test_past_3_requests_per_second_the_simulator_throttles():
    sim = Track17Simulator(api_key=TRACK17_KEY, requests_per_second=3)
    server = serve_in_thread(sim)
    try:
        provider = Track17Provider(client=client_for(sim))
        with pytest.raises(ThrottledError):
            for _ in range(5):
                provider.fetch([TrackingRequest("1ZABCDE1")])
    finally:
        server.shutdown()


def test_register_and_fetch_round_trip(track17_sim):
    provider = Track17Provider(client=client_for(track17_sim))
    result = provider.register(
        [TrackingRequest("1ZROUND01", carrier="100002", tag="7"), TrackingRequest("x")]
    )
    assert result.accepted == ["1ZROUND01"] and "-18010012" in result.rejected["x"]
    again = provider.register([TrackingRequest("1ZROUND01")])
    assert again.accepted == ["1ZROUND01"]  # already registered counts as registered
    assert track17_sim.quota_used == 1
    track17_sim.set_status(
        "1ZROUND01", "DeliveryFailure", "DeliveryFailure_NoBody", at=recent(), description="No one home"
    )
    [update] = provider.fetch([TrackingRequest("1ZROUND01")])
    assert (update.status, update.description, update.tag) == ("delivery_failure", "No one home", "7")


@pytest.mark.django_db
def test_provider_from_the_account_and_the_scheduled_poll(tracking_account, track17_sim):
    provider = tracking_provider()
    assert isinstance(provider, Track17Provider)
    assert poll_tracking_task() == {
        "polled": 0,
        "applied": 0,
        "stale": 0,
        "after_delivery": 0,
        "unknown_number": 0,
        "unknown_status": 0,
    }
    tracking_account.enabled = False
    tracking_account.save()
    assert poll_tracking_task() == {"skipped": "no enabled 17TRACK account"}
