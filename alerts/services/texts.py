"""The words of alerts: a one-line title (email subject, and the whole SMS) and the email details."""

from __future__ import annotations

from alerts.models import AlertEvent, AlertRule, RuleKind, Severity
from alerts.rules import NONE
from alerts.services.measure import Measurement

FAILING_WHAT = {
    RuleKind.MARKETPLACE_PULL_FAILING: "order pull of {subject}",
    RuleKind.OPEN_ORDERS_CHECK_FAILING: "open-orders check of {subject}",
    RuleKind.ZOHO_SYNC_FAILING: "Zoho stock sync",
}


def _what(rule: AlertRule, subject: str, m: Measurement) -> str:
    figures = m.figures
    if rule.kind == RuleKind.MISSED_ORDERS:
        rate = f" ({figures.percent} % of {figures.total})" if figures.percent is not None else ""
        return f"{figures.count} orders not in ShipStation after {rule.grace_minutes} min{rate}"
    if rule.kind == RuleKind.SHIPSTATION_CREATE_FAILURES:
        return f"{figures.count} orders failed to be created in ShipStation in {rule.window_minutes} min"
    if rule.kind == RuleKind.TRACKING_PUSH_FAILURES:
        return f"{figures.count} tracking packages failed to be pushed in {rule.window_minutes} min"
    if rule.kind in FAILING_WHAT:
        what = FAILING_WHAT[rule.kind].format(subject=subject)
        if not figures.count:
            return f"{what} works again"
        since = m.details.get("failing_minutes")
        return f"{what} failing: {figures.count} consecutive failure(s) over {since} min"
    return f"shadow stock of SKU {subject} reached 0"


def summary(rule: AlertRule, subject: str, m: Measurement) -> str:
    return _what(rule, subject, m)[:300]


def title(rule: AlertRule, subject: str, kind: str, severity: int, m: Measurement) -> str:
    if kind == AlertEvent.Kind.CLEARED:
        if rule.kind == RuleKind.STOCK_DEPLETED:
            return f"CLEARED: SKU {subject} has stock again"[:200]
        return f"CLEARED: {rule.name} (now {_what(rule, subject, m)})"[:200]
    label = Severity(severity).label.upper() if severity > NONE else ""
    escalated = " (escalated)" if kind == AlertEvent.Kind.ESCALATED else ""
    return f"{label}{escalated}: {_what(rule, subject, m)}"[:200]


def _thresholds(rule: AlertRule) -> str:
    def one(count, percent):
        parts = []
        if count is not None:
            parts.append(f"> {count}")
        if percent is not None:
            parts.append(f"> {percent} %")
        return " or ".join(parts) or "-"

    text = (
        f"warning {one(rule.warning_count, rule.warning_percent)}, "
        f"critical {one(rule.critical_count, rule.critical_percent)}"
    )
    if rule.warning_minutes is not None or rule.critical_minutes is not None:
        text += (
            f"; failing for {rule.warning_minutes or '-'} min: warning, "
            f"{rule.critical_minutes or '-'} min: critical"
        )
    return text


def body(rule: AlertRule, subject: str, kind: str, severity: int, m: Measurement) -> str:
    lines = [f"Rule: {rule.name}", f"Now: {_what(rule, subject, m)}", f"Thresholds: {_thresholds(rule)}"]
    details = m.details
    if rule.kind == RuleKind.MISSED_ORDERS:
        for name, row in (details.get("accounts") or {}).items():
            line = f"  {name}: {row['missed']} missed of {row['orders']}"
            if row.get("partially_shipped"):
                line += f", {row['partially_shipped']} partially shipped (lines still to ship)"
            if row.get("never_pulled"):
                line += f" ({row['never_pulled']} open on the marketplace, never pulled: "
                line += ", ".join(row.get("never_pulled_sample") or []) + ")"
            lines.append(line)
    elif rule.kind in FAILING_WHAT:
        lines.append(f"Last success: {details.get('last_success_at') or 'never'}")
        if details.get("last_error"):
            lines.append(f"Last error: {details['last_error']}")
    elif rule.kind == RuleKind.STOCK_DEPLETED and kind != AlertEvent.Kind.CLEARED:
        lines.append(f"Depletion #{details.get('episode')} of this SKU; 0 is published everywhere.")
    if kind == AlertEvent.Kind.CLEARED:
        lines.append("The figures are back under the thresholds.")
    lines.append("Details and history: the Alerts pages of the admin.")
    return "\n".join(lines)


NOTICE_LINES = 200


def notice_title(rule: AlertRule, events: list[AlertEvent]) -> str:
    """One event: its own title. Several (the stock rule): how many SKUs ran out and came back."""
    if len(events) == 1:
        return events[0].title
    opened = [e for e in events if e.kind != AlertEvent.Kind.CLEARED]
    cleared = len(events) - len(opened)
    parts = []
    if opened:
        label = Severity(max(e.severity for e in opened)).label.upper()
        parts.append(f"{label}: shadow stock reached 0 for {_skus(len(opened))}")
    if cleared:
        verb = "has" if cleared == 1 else "have"
        parts.append(f"{'CLEARED: ' if not opened else ''}{_skus(cleared)} {verb} stock again")
    return ", ".join(parts)[:200]


def notice_text(events: list[AlertEvent]) -> str:
    if len(events) == 1:
        return events[0].text
    lines = [e.title for e in events[:NOTICE_LINES]]
    if len(events) > NOTICE_LINES:
        lines.append(f"... and {len(events) - NOTICE_LINES} more (see the Alerts pages of the admin)")
    return "\n".join(lines)


def _skus(n: int) -> str:
    return f"{n} SKU" if n == 1 else f"{n} SKUs"
