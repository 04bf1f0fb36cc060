"""The alert decision, as plain functions with no Django (SPEC 5).

- A figure is over a threshold when it is strictly more than it ("> 10 orders", "> 3 %").
- Warning -> email; critical -> email + SMS.
- An open alert is not announced again while it stays at its severity; it is announced again when it
  escalates; a lower figure while open does not lower it (no flapping re-sends); it is announced once when
  the figures fall below every threshold (cleared).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

NONE, WARNING, CRITICAL = 0, 1, 2


@dataclass(frozen=True)
class Thresholds:
    warning_count: int | None = None
    warning_percent: Decimal | None = None
    critical_count: int | None = None
    critical_percent: Decimal | None = None


@dataclass(frozen=True)
class Figures:
    """``count`` of bad things, out of ``total`` where a rate applies (None = no rate)."""

    count: int
    total: int | None = None

    @property
    def percent(self) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(self.count) * 100 / Decimal(self.total)).quantize(Decimal("0.01"))


def _over(figures: Figures, count_limit: int | None, percent_limit: Decimal | None) -> bool:
    if count_limit is not None and figures.count > count_limit:
        return True
    if percent_limit is not None and figures.total:
        # count / total > p / 100, without rounding: 100 * count > p * total
        return Decimal(figures.count) * 100 > Decimal(percent_limit) * figures.total
    return False


def severity_of(figures: Figures, thresholds: Thresholds) -> int:
    if _over(figures, thresholds.critical_count, thresholds.critical_percent):
        return CRITICAL
    if _over(figures, thresholds.warning_count, thresholds.warning_percent):
        return WARNING
    return NONE


class Action(enum.StrEnum):
    OPEN = "open"  # announce at ``severity``
    ESCALATE = "escalate"  # announce at the higher ``severity``
    KEEP = "keep"  # open, same (or lower) severity: say nothing
    CLEAR = "clear"  # announce that it cleared
    QUIET = "quiet"  # nothing open, nothing to open


@dataclass(frozen=True)
class Decision:
    action: Action
    severity: int  # the alert's severity after the decision (NONE when quiet or cleared)

    @property
    def announces(self) -> bool:
        return self.action in (Action.OPEN, Action.ESCALATE, Action.CLEAR)


def decide(figures: Figures, thresholds: Thresholds, open_severity: int | None) -> Decision:
    """The decision for one rule and subject, given the open alert's severity (None = none open)."""
    return decide_on_severity(severity_of(figures, thresholds), open_severity)


def decide_on_severity(measured: int, open_severity: int | None) -> Decision:
    if open_severity is None:
        return Decision(Action.OPEN, measured) if measured > NONE else Decision(Action.QUIET, NONE)
    if measured == NONE:
        return Decision(Action.CLEAR, NONE)
    if measured > open_severity:
        return Decision(Action.ESCALATE, measured)
    return Decision(Action.KEEP, open_severity)


def channels_for(severity: int) -> tuple[str, ...]:
    """SPEC 5: warning -> email; critical -> email + SMS. A clearing goes where the alert went."""
    return ("email", "sms") if severity >= CRITICAL else ("email",)


@dataclass(frozen=True)
class FailingThresholds:
    """For "X failing" rules: warning after more than ``warning_count`` consecutive failures or once failing
    for ``warning_minutes``; critical once failing for ``critical_minutes`` (or more than
    ``critical_count`` failures). A blank threshold is not used."""

    warning_count: int | None = None
    warning_minutes: int | None = None
    critical_count: int | None = None
    critical_minutes: int | None = None


def failing_severity(failures: int, failing_minutes: float, thresholds: FailingThresholds) -> int:
    """Severity of something that failed ``failures`` times in a row over ``failing_minutes``."""
    if failures <= 0:
        return NONE
    t = thresholds
    if (t.critical_minutes is not None and failing_minutes >= t.critical_minutes) or (
        t.critical_count is not None and failures > t.critical_count
    ):
        return CRITICAL
    if (t.warning_minutes is not None and failing_minutes >= t.warning_minutes) or (
        t.warning_count is not None and failures > t.warning_count
    ):
        return WARNING
    return NONE
