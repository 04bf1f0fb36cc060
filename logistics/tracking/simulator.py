"""A 17TRACK v2.2 stand-in: ``/register`` and ``/gettrackinfo`` (``17token`` auth, at most 40 numbers per
call, per-number rejections inside a 200, 429 past 3 requests/s), and a push sender that signs bodies
like 17TRACK (header ``sign`` = SHA-256 hex of body + "/" + key).

Error codes for request-level failures (-18010013 "too many numbers") and "not registered" (-18019902) are
the simulator's choice; -18010012 (invalid number) and -18019901 (already registered) follow reference/.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime

import requests

from integration_server.simulators.base import FixedWindowLimiter, Simulator, json_response, route
from logistics.tracking.signature import push_signature

NUMBER_RE = re.compile(r"^[A-Za-z0-9]{5,50}$")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


MILESTONE_STAGES = {
    "InfoReceived": "InfoReceived",
    "InTransit": "PickedUp",
    "AvailableForPickup": "AvailableForPickup",
    "OutForDelivery": "OutForDelivery",
    "Delivered": "Delivered",
}


def milestones(events: list[dict]) -> list[dict]:
    """17TRACK's milestone list: each key stage with the time it was first reached (None if never)."""
    reached: dict[str, dict] = {}
    for event in sorted(events, key=lambda e: e["time_utc"]):
        stage = MILESTONE_STAGES.get(event["stage"])
        if stage:
            reached.setdefault(stage, event)
    return [
        {
            "key_stage": stage,
            "time_iso": reached[stage]["time_iso"] if stage in reached else None,
            "time_utc": reached[stage]["time_utc"] if stage in reached else None,
        }
        for stage in ("InfoReceived", "PickedUp", "Departure", "Arrival", "AvailableForPickup")
        + ("OutForDelivery", "Delivered", "Returning", "Returned")
    ]


class Track17Simulator(Simulator):
    name = "track17"

    def __init__(self, api_key: str = "sim-17track-key", requests_per_second: int = 3):  # noqa: S107
        super().__init__()
        self.api_key = api_key
        self.tracked: dict[str, dict] = {}
        self.limiter = FixedWindowLimiter(requests_per_second, 1.0)
        self.quota_used = 0
        self._lock = threading.Lock()

    # --- scripting ------------------------------------------------------------------------------------------
    def set_status(
        self,
        number: str,
        status: str,
        sub_status: str | None = None,
        *,
        at: datetime | None = None,
        description: str = "",
        carrier: int = 100002,
    ) -> dict:
        """Add an event to a number (registering it if needed); returns the push ``data`` item."""
        at = at or datetime.now(UTC)
        with self.lock:
            entry = self.tracked.setdefault(number, {"carrier": carrier, "tag": "", "events": []})
            entry["events"].append(
                {
                    "time_iso": at.isoformat(),
                    "time_utc": _iso(at),
                    "description": description or status,
                    "location": "",
                    "stage": status,
                    "sub_status": sub_status or f"{status}_Other",
                }
            )
            entry["events"].sort(key=lambda e: e["time_utc"], reverse=True)
            return self.item(number)

    def item(self, number: str) -> dict:
        entry = self.tracked[number]
        events = entry["events"]
        latest = events[0] if events else None
        return {
            "number": number,
            "carrier": entry["carrier"],
            "param": None,
            "tag": entry.get("tag", ""),
            "track_info": {
                "latest_status": {
                    "status": latest["stage"] if latest else "NotFound",
                    "sub_status": latest["sub_status"] if latest else "NotFound_Other",
                    "sub_status_descr": None,
                },
                "latest_event": (
                    {
                        "time_iso": latest["time_iso"],
                        "time_utc": latest["time_utc"],
                        "description": latest["description"],
                        "location": latest["location"],
                        "stage": latest["stage"],
                        "sub_status": None,
                    }
                    if latest
                    else None
                ),
                "milestone": milestones(events),
                "time_metrics": {},
                "tracking": {
                    "providers": [{"provider": {"key": entry["carrier"], "name": "SIM"}, "events": events}]
                },
            },
        }

    # --- the API --------------------------------------------------------------------------------------------
    def _guard(self, request):
        if request.headers.get("17token") != self.api_key:
            return json_response(
                401,
                {"code": 401, "data": {"errors": [{"code": -18010002, "message": "Invalid access key."}]}},
            )
        wait = self.limiter.hit(self.api_key)
        if wait is not None:
            return json_response(
                429, {"code": 429, "data": {"errors": [{"code": 429, "message": "Too many requests."}]}}
            )
        try:
            items = request.json()
        except ValueError:
            return json_response(
                400,
                {"code": -18010001, "data": {"errors": [{"code": -18010001, "message": "Invalid JSON."}]}},
            )
        if not isinstance(items, list) or not items:
            return json_response(
                200,
                {"code": -18010001, "data": {"errors": [{"code": -18010001, "message": "Empty request."}]}},
            )
        if len(items) > 40:
            return json_response(
                200,
                {
                    "code": -18010013,
                    "data": {"errors": [{"code": -18010013, "message": "At most 40 numbers."}]},
                },
            )
        return items

    @route("POST", r"/track/v2\.2/register")
    def register(self, request):
        items = self._guard(request)
        if not isinstance(items, list):
            return items
        accepted, rejected = [], []
        with self.lock:
            for item in items:
                number = str(item.get("number") or "")
                if not NUMBER_RE.match(number):
                    rejected.append(
                        {
                            "number": number,
                            "error": {"code": -18010012, "message": "The format of '{0}' is invalid."},
                        }
                    )
                elif number in self.tracked and self.tracked[number].get("registered"):
                    rejected.append(
                        {
                            "number": number,
                            "error": {
                                "code": -18019901,
                                "message": "The tracking number '{0}' has been registered, don't need to repeat registration.",
                            },
                        }
                    )
                else:
                    entry = self.tracked.setdefault(number, {"carrier": 0, "tag": "", "events": []})
                    entry["registered"] = True
                    entry["carrier"] = int(item.get("carrier") or entry["carrier"] or 100002)
                    entry["tag"] = str(item.get("tag") or "")
                    self.quota_used += 1
                    accepted.append(
                        {"origin": 1, "number": number, "carrier": entry["carrier"], "tag": entry["tag"]}
                    )
        return json_response(200, {"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    @route("POST", r"/track/v2\.2/gettrackinfo")
    def gettrackinfo(self, request):
        items = self._guard(request)
        if not isinstance(items, list):
            return items
        accepted, rejected = [], []
        with self.lock:
            for item in items:
                number = str(item.get("number") or "")
                if number in self.tracked and self.tracked[number].get("registered"):
                    accepted.append(self.item(number))
                else:
                    rejected.append(
                        {
                            "number": number,
                            "error": {
                                "code": -18019902,
                                "message": "The tracking number '{0}' does not register, please register first.",
                            },
                        }
                    )
        return json_response(200, {"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    # --- pushes out -----------------------------------------------------------------------------------------
    def push_body(self, number: str, event: str = "TRACKING_UPDATED") -> bytes:
        with self.lock:
            data = self.item(number)
        return json.dumps({"event": event, "data": data}, indent="\t").encode()

    def signed_push(self, number: str, *, key: str | None = None) -> tuple[bytes, dict[str, str]]:
        body = self.push_body(number)
        return body, {"Content-Type": "application/json", "sign": push_signature(body, key or self.api_key)}

    def push(self, url: str, number: str, *, key: str | None = None):
        body, headers = self.signed_push(number, key=key)
        return requests.post(url, data=body, headers=headers, timeout=10)
