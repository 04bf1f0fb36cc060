"""The first run's story, played by ``run_simulators --story URL`` against the running service: every
customer-email flow happens within a couple of minutes with nothing configured.

1. Shopify: order #9001 (an e-bike and a spare battery) ships in two packages -> split-package email.
2. Shopify: pre-order #9002 ships -> pre-order-shipped email.
3. 17TRACK: once the service has registered the numbers, the first package of #9001 reports an exception
   (-> delivery-problem email) and #9002 is delivered (-> delivered / review email).

The secrets are the demo ones seed_demo stores (logistics/demo.py)."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request

log = logging.getLogger(__name__)

SHOP_DOMAIN = "demo-shop.myshopify.com"
SHOP_SECRET = "demo-shopify-webhook-secret"  # noqa: S105 - the simulator's demo value
SPLIT_NUMBERS = ("1ZDEMO0000001", "1ZDEMO0000002")
PRESALE_NUMBER = "1ZDEMO0000003"


def wait_for(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - the local service
                return True
        except urllib.error.HTTPError:
            return True  # answering (503 while starting is fine)
        except OSError:
            time.sleep(1)
    return False


def play(base_url: str, sims: dict, *, settle_seconds: float = 90, say=print) -> list[str]:
    """Returns what was done, one line per step."""
    shop, track = sims.get("shopify"), sims.get("track17")
    done: list[str] = []
    if shop is None or track is None:
        return done
    if not wait_for(f"{base_url}/healthz", 120):
        say(f"demo story: {base_url} never answered; nothing played")
        return done
    hook = f"{base_url}/webhook/shopify"

    def deliver(payload):
        response = shop.send_webhook(
            hook, payload, secret=SHOP_SECRET, shop_domain=SHOP_DOMAIN, topic="fulfillments/create"
        )
        return response.status_code

    shop.add_order(
        9001,
        email="sam.split@example.com",
        first_name="Sam",
        lines=[("EBIKE-T1", "E-bike T1", 1), ("BATT-X", "Spare battery", 1)],
    )
    for (sku, _title), number in zip((("EBIKE-T1", ""), ("BATT-X", "")), SPLIT_NUMBERS, strict=True):
        status = deliver(shop.fulfill(9001, [(sku, 1)], [number]))
        done.append(f"Shopify #9001: package {number} ({sku}) shipped -> webhook {status}")
    shop.add_order(
        9002,
        email="pat.presale@example.com",
        first_name="Pat",
        lines=[("PRE-T2", "E-bike T2 (pre-order)", 1)],
    )
    status = deliver(shop.fulfill(9002, [("PRE-T2", 1)], [PRESALE_NUMBER]))
    done.append(f"Shopify #9002: pre-order shipped as {PRESALE_NUMBER} -> webhook {status}")

    wanted = (SPLIT_NUMBERS[0], PRESALE_NUMBER)
    deadline = time.monotonic() + settle_seconds
    while time.monotonic() < deadline and not all(n in track.tracked for n in wanted):
        time.sleep(1)  # the service registers the numbers with 17TRACK from its worker
    push = f"{base_url}/webhook/17track"
    track.set_status(
        SPLIT_NUMBERS[0], "Exception", description="Address problem: the carrier holds the parcel"
    )
    done.append(
        f"17TRACK: {SPLIT_NUMBERS[0]} exception -> push {track.push(push, SPLIT_NUMBERS[0]).status_code}"
    )
    track.set_status(PRESALE_NUMBER, "Delivered", description="Delivered, front door")
    done.append(f"17TRACK: {PRESALE_NUMBER} delivered -> push {track.push(push, PRESALE_NUMBER).status_code}")
    for line in done:
        say(f"demo story: {line}")
    return done
