"""The alerts section of /healthz and the admin front page: open alerts by severity (any open alert is a
problem: 503 and red on the front page), each with a link to the open alerts of that severity."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from alerts.models import Alert, Severity
from integration_server.health import Attention

LEVEL = {Severity.CRITICAL: "critical", Severity.WARNING: "warning"}


def open_alerts_health(now=None) -> dict:
    """Open alerts per severity (one query); the problems name the rules of up to five of each."""
    rows = list(
        Alert.objects.filter(state=Alert.State.OPEN)
        .values_list("severity", "rule__name")
        .annotate(n=Count("id"))
        .order_by("-severity", "rule__name")
    )
    by_severity: dict[int, dict[str, int]] = {}
    for severity, rule_name, n in rows:
        by_severity.setdefault(severity, {})[rule_name] = n
    details = {
        LEVEL.get(sev, str(sev)): sum(rules.values())
        for sev, rules in sorted(by_severity.items(), reverse=True)
    }
    problems, attention = [], []
    changelist = reverse("admin:alerts_alert_changelist")
    for severity, rules in sorted(by_severity.items(), reverse=True):
        label = Severity(severity).label.upper() if severity in Severity.values else str(severity)
        names = ", ".join(f"{name} ({n})" if n > 1 else name for name, n in list(rules.items())[:5])
        text = f"{sum(rules.values())} open {label} alert(s): {names}"
        problems.append(text)
        url = f"{changelist}?{urlencode({'state': Alert.State.OPEN, 'severity__exact': severity})}"
        attention.append(Attention(LEVEL.get(severity, "critical"), text, url))
    return {"details": details, "problems": problems, "attention": attention}
