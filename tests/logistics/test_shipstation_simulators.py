"""The simulators answer like the vendors: authentication, paging, 429 past the rate limit, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from logistics.shipstation.simulator import ShipStationSimulator
from marketplaces.simulators.amazon import AmazonSimulator

AUTH = ("sim-ss-key", "sim-ss-secret")


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_shipstation_checks_basic_auth_and_answers_rate_limit_headers(shipstation_sim):
    base = shipstation_sim.base_url
    assert requests.get(f"{base}/stores", timeout=5).status_code == 401
    assert requests.get(f"{base}/stores", auth=("sim-ss-key", "wrong"), timeout=5).status_code == 401
    ok = requests.get(f"{base}/stores", auth=AUTH, timeout=5)
    assert ok.status_code == 200 and ok.headers["X-Rate-Limit-Limit"] == "40"
    assert int(ok.headers["X-Rate-Limit-Remaining"]) == 39


def test_shipstation_429_past_40_a_minute():
    from integration_server.simulators import serve_in_thread

    sim = ShipStationSimulator()
    server = serve_in_thread(sim)
    try:
        codes = [
            requests.get(f"{sim.base_url}/carriers", auth=AUTH, timeout=5).status_code for _ in range(41)
        ]
        assert codes[:40] == [200] * 40 and codes[40] == 429
        last = requests.get(f"{sim.base_url}/carriers", auth=AUTH, timeout=5)
        assert 0 < int(last.headers["X-Rate-Limit-Reset"]) <= 60
    finally:
        server.shutdown()


def test_shipstation_createorders_limits_and_per_order_errors(shipstation_sim):
    base = shipstation_sim.base_url
    order = {
        "orderNumber": "N1",
        "orderKey": "k1",
        "orderDate": "2026-01-01T00:00:00.0000000",
        "orderStatus": "awaiting_shipment",
        "billTo": {"name": "A"},
        "shipTo": {"name": "A"},
        "items": [],
        "advancedOptions": {"storeId": 310002},
    }
    too_many = requests.post(f"{base}/orders/createorders", json=[order] * 101, auth=AUTH, timeout=5)
    assert too_many.status_code == 400
    answer = requests.post(
        f"{base}/orders/createorders",
        json=[order, {**order, "orderKey": "k2", "shipTo": None}],
        auth=AUTH,
        timeout=5,
    ).json()
    assert answer["hasErrors"] and [r["success"] for r in answer["results"]] == [True, False]
    # the store is fixed at creation; an update keeps it
    requests.post(
        f"{base}/orders/createorders",
        json=[{**order, "advancedOptions": {"storeId": 310001}}],
        auth=AUTH,
        timeout=5,
    )
    assert shipstation_sim.order_by_key("k1")["advancedOptions"]["storeId"] == 310002
    paged = requests.get(f"{base}/orders", params={"page": 1, "pageSize": 1}, auth=AUTH, timeout=5).json()
    assert (paged["total"], paged["pages"], len(paged["orders"])) == (1, 1, 1)


def _access_token(sim) -> str:
    return requests.post(
        f"{sim.base_url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": next(iter(sim.refresh_tokens)),
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        },
        timeout=5,
    ).json()["access_token"]


def test_amazon_checks_the_token_paging_dates_and_rate(amazon_sim):
    base = amazon_sim.base_url
    for _ in range(3):
        amazon_sim.add_order()
    token = _access_token(amazon_sim)
    bad = requests.post(
        f"{base}/auth/o2/token", data={"grant_type": "refresh_token", "client_id": "x"}, timeout=5
    )
    assert bad.status_code == 401
    url = f"{base}/orders/2026-01-01/orders"
    since = _iso(datetime.now(UTC) - timedelta(days=1))
    assert (
        requests.get(
            url, params={"marketplaceIds": "ATVPDKIKX0DER", "lastUpdatedAfter": since}, timeout=5
        ).status_code
        == 403
    )
    headers = {"x-amz-access-token": token}
    too_recent = requests.get(
        url,
        params={
            "marketplaceIds": "ATVPDKIKX0DER",
            "lastUpdatedAfter": since,
            "lastUpdatedBefore": _iso(datetime.now(UTC)),
        },
        headers=headers,
        timeout=5,
    )
    assert too_recent.status_code == 400 and too_recent.json()["errors"][0]["code"] == "InvalidInput"
    first = requests.get(
        url,
        params={"marketplaceIds": "ATVPDKIKX0DER", "lastUpdatedAfter": since, "maxResultsPerPage": 2},
        headers=headers,
        timeout=5,
    )
    assert first.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    second = requests.get(
        url, params={"paginationToken": first.json()["pagination"]["nextToken"]}, headers=headers, timeout=5
    )
    assert (
        len(first.json()["orders"]) == 2
        and len(second.json()["orders"]) == 1
        and "pagination" not in second.json()
    )


def test_amazon_429_past_the_burst():
    from integration_server.simulators import serve_in_thread

    sim = AmazonSimulator(limits={"searchOrders": ("0.0056", 2, 60.0)})
    server = serve_in_thread(sim)
    try:
        access = _access_token(sim)
        params = {
            "marketplaceIds": "ATVPDKIKX0DER",
            "lastUpdatedAfter": _iso(datetime.now(UTC) - timedelta(hours=1)),
        }
        codes = [
            requests.get(
                f"{sim.base_url}/orders/2026-01-01/orders",
                params=params,
                headers={"x-amz-access-token": access},
                timeout=5,
            ).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]
    finally:
        server.shutdown()
