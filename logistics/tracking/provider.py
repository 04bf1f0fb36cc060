"""The tracking provider interface: the rest of the code talks to this, so the tracking service can be
replaced (the source asks for it). 17TRACK is the first implementation (logistics.tracking.track17)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from integration_server.restorable import restorable


@dataclass(frozen=True)
class TrackingRequest:
    number: str
    carrier: str = ""  # the provider's carrier code where known; blank = auto-detect
    tag: str = ""  # our reference, echoed back in pushes


@dataclass(frozen=True)
class TrackingUpdate:
    """One provider report about one number, normalised."""

    number: str
    status: str | None  # ours (status_map); None = a status we do not know
    provider_status: str = ""
    provider_sub_status: str = ""
    event_at: datetime | None = None
    description: str = ""
    carrier_code: str = ""
    tag: str = ""
    # When the history this report carries says the parcel was delivered (a later exception push still
    # lists the Delivered milestone): decided from the whole history, not only the latest status.
    delivered_at: datetime | None = None


@dataclass
class RegistrationResult:
    accepted: list[str] = field(default_factory=list)
    # number -> reason; ``already`` registered numbers count as accepted
    rejected: dict[str, str] = field(default_factory=dict)


class TrackingProvider(ABC):
    name = ""
    max_batch = 40

    @abstractmethod
    def register(self, requests: list[TrackingRequest]) -> RegistrationResult: ...

    @abstractmethod
    def fetch(self, requests: list[TrackingRequest]) -> list[TrackingUpdate]:
        """The current status of each number (the polling fallback)."""

    @abstractmethod
    def parse_push(self, payload: dict) -> list[TrackingUpdate]:
        """Updates carried by one verified push body ([] for events we ignore)."""


_PROVIDERS: dict[str, Callable[..., TrackingProvider]] = restorable({})


def register_provider(name: str, factory: Callable[..., TrackingProvider]) -> None:
    _PROVIDERS[name] = factory


def tracking_provider(name: str | None = None, **kwargs) -> TrackingProvider:
    from logistics.tracking import conf

    name = name or conf.TRACKING_PROVIDER
    try:
        factory = _PROVIDERS[name]
    except KeyError as exc:
        raise LookupError(f"no tracking provider {name!r}; known: {', '.join(sorted(_PROVIDERS))}") from exc
    return factory(**kwargs)
