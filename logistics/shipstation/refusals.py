"""What a per-order refusal in a ``createorders`` answer means (pure: no database, no HTTP).

ShipStation judges each order of a batch on its own (``success: false`` + ``errorMessage`` inside a 200).
Three cases, and nothing else may count as done (reference/shipstation.md, "Errors" and "Pitfalls"):

- ``NOT_UPDATABLE``: the order already exists in ShipStation, is shipped or cancelled there, and therefore
  cannot be updated. The update is "done". Only a message that says exactly that (the order *is* shipped or
  cancelled *and* cannot be updated / changed) is taken at its word.
- ``UNSURE``: the message mentions shipped / cancelled in another way ("This order cannot be shipped: the
  ship-to address is incomplete."). The caller reads the order by its orderKey: done only if ShipStation
  holds it shipped or cancelled; otherwise the message is judged as below.
- ``DATA`` / ``TRANSIENT``: a refusal about the order's data (invalid country, missing field, incomplete
  address ...) cannot succeed by retrying: it fails at once, on the order, until ops fix it and send it
  again. Only a message that says the server had a passing problem is retried (SPEC 4).
"""

from __future__ import annotations

import re
from enum import Enum


class Refusal(Enum):
    NOT_UPDATABLE = "not_updatable"
    UNSURE = "unsure"
    DATA = "data"
    TRANSIENT = "transient"


_STATE = r"(?:shipped|cancell?ed)"
_CANNOT = r"(?:cannot|can ?not|can't|could not|unable to|may not|is not allowed to)"
_CHANGE = r"(?:updat|modif|chang|edit|overwrit)\w*"
NOT_UPDATABLE_PATTERNS = (
    # "The order is shipped and cannot be updated." / "Order has already been cancelled; it can't be modified"
    re.compile(
        rf"\b(?:is|was|are|were|has|have)\s+(?:already\s+)?(?:been\s+)?{_STATE}\b[^.]*?\b{_CANNOT}\s+"
        rf"(?:be\s+)?{_CHANGE}",
        re.IGNORECASE,
    ),
    # "Cannot update an order that has been shipped." / "Unable to modify cancelled orders"
    re.compile(
        rf"\b{_CANNOT}\s+(?:be\s+)?{_CHANGE}\b[^.]*?\b(?:(?:is|was|has been|already)\s+)?{_STATE}\b",
        re.IGNORECASE,
    ),
)
MENTIONS_STATE = re.compile(rf"\b{_STATE}\b|\bcancel", re.IGNORECASE)
TRANSIENT_PATTERN = re.compile(
    r"an error has occurred|internal (?:server )?error|try again|timed? ?out|temporar|unavailable|"
    r"deadlock|too many requests|rate limit|service is busy|server is busy",
    re.IGNORECASE,
)


def classify_refusal(message: str) -> Refusal:
    text = " ".join((message or "").split())
    if any(p.search(text) for p in NOT_UPDATABLE_PATTERNS):
        return Refusal.NOT_UPDATABLE
    if MENTIONS_STATE.search(text):
        return Refusal.UNSURE
    return classify_failure(text)


def classify_failure(message: str) -> Refusal:
    """DATA or TRANSIENT only (after a read showed the order is not shipped / cancelled)."""
    return Refusal.TRANSIENT if TRANSIENT_PATTERN.search(message or "") else Refusal.DATA


def is_final_state(shipstation_order: dict | None) -> bool:
    """An order ShipStation holds shipped or cancelled: an update of it can never succeed."""
    return bool(shipstation_order) and str(shipstation_order.get("orderStatus", "")).lower() in (
        "shipped",
        "cancelled",
        "canceled",
    )
