"""The pure decision of alerts.rules: thresholds at and just over each boundary, and the SPEC 5 decisions."""

from decimal import Decimal

import pytest

from alerts.rules import (
    CRITICAL,
    NONE,
    WARNING,
    Action,
    Figures,
    Thresholds,
    channels_for,
    decide,
    severity_of,
)

MISSED = Thresholds(10, Decimal("3"), 50, Decimal("10"))
CREATE_FAILURES = Thresholds(10, None, 50, None)
TRACKING_FAILURES = Thresholds(20, None, 100, None)


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [
        (10, 1000, NONE),  # 10 orders = 1 %: not more than 10 nor 3 %
        (11, 1000, WARNING),  # just over 10 orders
        (3, 100, NONE),  # exactly 3 %
        (4, 100, WARNING),  # just over 3 %
        (50, 1000, WARNING),  # 50 orders = 5 %
        (51, 1000, CRITICAL),  # just over 50 orders
        (10, 100, WARNING),  # exactly 10 %: warning (over 3 %), not critical
        (11, 100, CRITICAL),  # 11 % > 10 %
        (1, 9, CRITICAL),  # 11.1 %: the rate alone is critical
        (0, 0, NONE),  # no orders: no alert
        (0, 500, NONE),
    ],
)
def test_missed_orders_boundaries(count, total, expected):
    assert severity_of(Figures(count, total), MISSED) == expected


@pytest.mark.parametrize(
    ("thresholds", "count", "expected"),
    [
        (CREATE_FAILURES, 10, NONE),
        (CREATE_FAILURES, 11, WARNING),
        (CREATE_FAILURES, 50, WARNING),
        (CREATE_FAILURES, 51, CRITICAL),
        (TRACKING_FAILURES, 20, NONE),
        (TRACKING_FAILURES, 21, WARNING),
        (TRACKING_FAILURES, 100, WARNING),
        (TRACKING_FAILURES, 101, CRITICAL),
    ],
)
def test_failure_rate_boundaries(thresholds, count, expected):
    assert severity_of(Figures(count), thresholds) == expected


def test_percent_needs_a_total():
    assert Figures(5).percent is None
    assert Figures(1, 3).percent == Decimal("33.33")
    assert severity_of(Figures(5), Thresholds(None, Decimal("3"), None, None)) == NONE


def test_decisions():
    t = CREATE_FAILURES
    assert decide(Figures(0), t, None).action == Action.QUIET
    opened = decide(Figures(11), t, None)
    assert (opened.action, opened.severity, opened.announces) == (Action.OPEN, WARNING, True)
    assert decide(Figures(60), t, None).severity == CRITICAL  # opens straight at critical
    same = decide(Figures(30), t, WARNING)
    assert (same.action, same.severity, same.announces) == (Action.KEEP, WARNING, False)
    up = decide(Figures(51), t, WARNING)
    assert (up.action, up.severity, up.announces) == (Action.ESCALATE, CRITICAL, True)
    down = decide(Figures(12), t, CRITICAL)  # lower figures while open: quiet, stays critical
    assert (down.action, down.severity, down.announces) == (Action.KEEP, CRITICAL, False)
    cleared = decide(Figures(10), t, CRITICAL)
    assert (cleared.action, cleared.severity, cleared.announces) == (Action.CLEAR, NONE, True)


def test_channels():
    assert channels_for(WARNING) == ("email",)
    assert channels_for(CRITICAL) == ("email", "sms")
