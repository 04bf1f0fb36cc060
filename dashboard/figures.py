"""The day's story in figures: for today and the last 7 days (days in the operator's time zone), per channel,
orders in, sent to ShipStation, packages shipped, tracking pushed, the order -> ShipStation delay (median and
p95); stock pushes accepted / rejected; emails by template; open alerts; failed jobs.

A fixed handful of aggregate queries whatever the number of rows (tests pin the count); nothing here loops over
rows. Every figure carries the admin list it was counted from, filtered the same way.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, FloatField, IntegerField, Q, Sum
from django.db.models.aggregates import Aggregate
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, Severity
from integration_server.models import JobAttempt, OutboundJob
from logistics.models import ShipStationOrder, ShipStationShipment
from marketplaces.models import Channel, MarketplaceAccount, Order
from notifications.models import Notification, NotificationKind

DAYS = 7
STOCK_PUSH_KIND = "stock.push"


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate: percentile_cont(p) WITHIN GROUP (ORDER BY expr) [FILTER ...]."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass
class Figure:
    value: int | float | None
    url: str


@dataclass
class Window:
    today: Figure
    week: Figure


@dataclass
class Dashboard:
    today: dt.date
    since: dict  # {"today": aware datetime, "week": aware datetime}
    days: list[str]
    channels: list[dict] = field(default_factory=list)
    stock: list[dict] = field(default_factory=list)
    emails: list[dict] = field(default_factory=list)
    open_alerts: list[dict] = field(default_factory=list)
    failed_jobs: list[dict] = field(default_factory=list)
    charts: dict = field(default_factory=dict)

    @property
    def open_alert_count(self) -> int:
        return sum(a["count"].value for a in self.open_alerts)

    @property
    def failed_job_count(self) -> int:
        return sum(j["count"].value for j in self.failed_jobs)


def _url(name: str, **params) -> str:
    base = reverse(f"admin:{name}_changelist")
    query = {
        k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in params.items() if v is not None
    }
    return f"{base}?{urlencode(query)}" if query else base


def _window(values: tuple, name: str, date_field: str, starts: tuple, **params) -> Window:
    """Today's and the week's figure, each linking to ``name``'s list filtered by ``params`` and the window."""
    today, week = (
        Figure(value, _url(name, **params, **{f"{date_field}__gte": start}))
        for value, start in zip(values, starts, strict=True)
    )
    return Window(today=today, week=week)


def windows(now: dt.datetime | None = None, tz=None) -> tuple[dt.datetime, dt.datetime, list[dt.date]]:
    """Start of today and of the 7-day window (today and the 6 days before), midnight in ``tz``."""
    tz = tz or timezone.get_current_timezone()
    local = timezone.localtime(now or timezone.now(), tz)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - dt.timedelta(days=DAYS - 1)
    days = [(week + dt.timedelta(days=i)).date() for i in range(DAYS)]
    return today, week, days


def collect(now: dt.datetime | None = None, tz=None) -> Dashboard:
    tz = tz or timezone.get_current_timezone()
    now = now or timezone.now()
    today, week, days = windows(now, tz)
    board = Dashboard(
        today=days[-1], since={"today": today, "week": week}, days=[d.isoformat() for d in days]
    )
    _channels(board, today, week, tz)
    _stock(board, today, week)
    _emails(board, today, week, tz)
    _alerts_and_jobs(board, now)
    return board


# --- orders, ShipStation, shipments, tracking per channel ------------------------------------------------------


def _per_day(queryset, date_field: str, channel_path: str, tz, count_expr="id"):
    """{channel: {date: n}} in one GROUP BY (channel, local day)."""
    rows = (
        queryset.annotate(day=TruncDate(date_field, tzinfo=tz))
        .values("day", ch=F(channel_path))
        .annotate(n=Count(count_expr))
        .order_by()
    )
    out: dict[str, dict[dt.date, int]] = {}
    for row in rows:
        out.setdefault(row["ch"], {})[row["day"]] = row["n"]
    return out


def _sum_since(series: dict[dt.date, int], start: dt.date) -> int:
    return sum(n for day, n in series.items() if day >= start)


def _delays(today, week) -> dict[str, dict[str, float | None]]:
    """Seconds from the order coming in to its creation in ShipStation: median and p95, today and 7 days."""
    delay = ExpressionWrapper(F("sent_at") - F("order__created_at"), output_field=DurationField())
    base = ShipStationOrder.objects.filter(sent_at__gte=week, sent_at__isnull=False)
    out: dict[str, dict[str, float | None]] = {}
    if connection.vendor == "postgresql":
        seconds = _epoch(delay)
        rows = (
            base.values(ch=F("order__account__channel"))
            .annotate(
                p50_today=Percentile(seconds, 0.5, filter=Q(sent_at__gte=today)),
                p95_today=Percentile(seconds, 0.95, filter=Q(sent_at__gte=today)),
                p50_week=Percentile(seconds, 0.5),
                p95_week=Percentile(seconds, 0.95),
            )
            .order_by()
        )
        for row in rows:
            out[row.pop("ch")] = row
        return out
    # The embedded development database (SQLite) has no percentile aggregate: the dev demo's few rows are
    # read and measured here. Production runs on PostgreSQL (the branch above).
    measured: dict[str, dict[str, list[float]]] = {}
    for ch, sent_at, delta in base.values_list("order__account__channel", "sent_at").annotate(d=delay):
        bucket = measured.setdefault(ch, {"today": [], "week": []})
        bucket["week"].append(delta.total_seconds())
        if sent_at >= today:
            bucket["today"].append(delta.total_seconds())
    for ch, b in measured.items():
        out[ch] = {f"p{p}_{w}": _percentile(b[w], p / 100) for w in ("today", "week") for p in (50, 95)}
    return out


def _epoch(expression):
    from django.db.models import Func

    return Func(expression, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[round(fraction * 100) - 1]


def _channels(board: Dashboard, today, week, tz) -> None:
    today_d = today.date()
    orders = _per_day(Order.objects.filter(created_at__gte=week), "created_at", "account__channel", tz)
    sent = _per_day(
        ShipStationOrder.objects.filter(sent_at__gte=week), "sent_at", "order__account__channel", tz
    )
    shipped = _per_day(
        ShipStationShipment.objects.filter(created_at__gte=week, voided=False, order__isnull=False),
        "created_at",
        "order__account__channel",
        tz,
    )
    pushed = _per_day(
        ShipStationShipment.objects.filter(tracking_pushed_at__gte=week),
        "tracking_pushed_at",
        "order__account__channel",
        tz,
    )
    delays = _delays(today, week)
    seen = set(orders) | set(sent) | set(shipped) | set(pushed)
    for value, label in Channel.choices:
        if value not in seen:
            continue

        def figures(series, name, date_field, channel_param, _ch=value, **extra):
            s = series.get(_ch, {})
            return _window(
                (_sum_since(s, today_d), _sum_since(s, week.date())),
                name,
                date_field,
                (today, week),
                **{channel_param: _ch},
                **extra,
            )

        d = delays.get(value, {})
        board.channels.append(
            {
                "channel": value,
                "label": label,
                "orders_in": figures(orders, "marketplaces_order", "created_at", "account__channel__exact"),
                "sent": figures(
                    sent, "logistics_shipstationorder", "sent_at", "order__account__channel__exact"
                ),
                "shipped": figures(
                    shipped,
                    "logistics_shipstationshipment",
                    "created_at",
                    "order__account__channel__exact",
                    voided__exact=0,
                ),
                "tracking_pushed": figures(
                    pushed,
                    "logistics_shipstationshipment",
                    "tracking_pushed_at",
                    "order__account__channel__exact",
                ),
                "delay": {k: _rounded(v) for k, v in d.items()},
            }
        )
    board.charts["orders"] = {
        "days": board.days,
        "series": [
            {"label": label, "values": [orders.get(value, {}).get(day, 0) for day in _dates(board)]}
            for value, label in Channel.choices
            if value in orders
        ],
    }
    board.charts["flow"] = {
        "days": board.days,
        "series": [
            {"label": label, "values": [sum(s.get(ch, {}).get(day, 0) for ch in s) for day in _dates(board)]}
            for label, s in (
                ("Orders in", orders),
                ("Sent to ShipStation", sent),
                ("Packages shipped", shipped),
                ("Tracking pushed", pushed),
            )
        ],
    }


def _dates(board: Dashboard) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in board.days]


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


# --- stock pushes ---------------------------------------------------------------------------------------------


def _stock(board: Dashboard, today, week) -> None:
    """Per channel, SKU quantities the marketplaces accepted / rejected, from the push jobs' recorded outcomes."""
    as_int = lambda key: Cast(KeyTextTransform(key, "result"), IntegerField())  # noqa: E731
    rows = (
        JobAttempt.objects.filter(
            kind=STOCK_PUSH_KIND, outcome=JobAttempt.Outcome.SUCCEEDED, started_at__gte=week
        )
        .values(account=KeyTextTransform("account_id", "job__payload"))
        .annotate(
            accepted_today=Sum(as_int("accepted"), filter=Q(started_at__gte=today)),
            rejected_today=Sum(as_int("rejected_count"), filter=Q(started_at__gte=today)),
            accepted_week=Sum(as_int("accepted")),
            rejected_week=Sum(as_int("rejected_count")),
        )
        .order_by()
    )
    by_account = {str(r.pop("account")): r for r in rows}
    channel_of = (
        dict(
            MarketplaceAccount.objects.filter(pk__in=[int(a) for a in by_account if a.isdigit()]).values_list(
                "pk", "channel"
            )
        )
        if by_account
        else {}
    )
    totals: dict[str, dict[str, int]] = {}
    for account, r in by_account.items():
        ch = channel_of.get(int(account)) if account.isdigit() else None
        t = totals.setdefault(ch or "?", {})
        for k, v in r.items():
            t[k] = t.get(k, 0) + (v or 0)
    labels = dict(Channel.choices)
    for ch, t in sorted(totals.items()):
        jobs_today = _url(
            "integration_server_outboundjob", kind__exact=STOCK_PUSH_KIND, created_at__gte=today
        )
        jobs_week = _url("integration_server_outboundjob", kind__exact=STOCK_PUSH_KIND, created_at__gte=week)
        board.stock.append(
            {
                "channel": ch,
                "label": labels.get(ch, ch),
                "accepted": Window(
                    Figure(t.get("accepted_today", 0), jobs_today),
                    Figure(t.get("accepted_week", 0), jobs_week),
                ),
                "rejected": Window(
                    Figure(
                        t.get("rejected_today", 0),
                        _url(
                            "inventory_publishedquantity",
                            last_result__exact="rejected",
                            last_pushed_at__gte=today,
                        ),
                    ),
                    Figure(
                        t.get("rejected_week", 0),
                        _url(
                            "inventory_publishedquantity",
                            last_result__exact="rejected",
                            last_pushed_at__gte=week,
                        ),
                    ),
                ),
            }
        )


# --- customer emails ------------------------------------------------------------------------------------------


def _emails(board: Dashboard, today, week, tz) -> None:
    rows = (
        Notification.objects.filter(Q(created_at__gte=week) | Q(sent_at__gte=week) | Q(bounced_at__gte=week))
        .values("kind")
        .annotate(
            sent_today=Count("id", filter=Q(sent_at__gte=today)),
            sent_week=Count("id", filter=Q(sent_at__gte=week)),
            failed_today=Count("id", filter=Q(state=Notification.State.FAILED, created_at__gte=today)),
            failed_week=Count("id", filter=Q(state=Notification.State.FAILED, created_at__gte=week)),
            bounced_today=Count("id", filter=Q(bounced_at__gte=today)),
            bounced_week=Count("id", filter=Q(bounced_at__gte=week)),
        )
        .order_by("kind")
    )
    labels = dict(NotificationKind.choices)
    name = "notifications_notification"
    for r in rows:
        kind = r["kind"]

        def pair(what, date_field, _r=r, **extra):
            values = (_r[f"{what}_today"], _r[f"{what}_week"])
            return _window(values, name, date_field, (today, week), kind__exact=_r["kind"], **extra)

        board.emails.append(
            {
                "kind": kind,
                "label": labels.get(kind, kind),
                "sent": pair("sent", "sent_at"),
                "failed": pair("failed", "created_at", state__exact="failed"),
                "bounced": pair("bounced", "bounced_at"),
            }
        )
    per_day = (
        Notification.objects.filter(sent_at__gte=week)
        .annotate(day=TruncDate("sent_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_day = {r["day"]: r["n"] for r in per_day}
    board.charts["emails"] = {
        "days": board.days,
        "series": [{"label": "Emails sent", "values": [by_day.get(d, 0) for d in _dates(board)]}],
    }


# --- problems -------------------------------------------------------------------------------------------------


def open_alerts_by_severity() -> dict[int, int]:
    """Open alerts per severity. (i16a's /healthz function answers the same; this reads them directly.)"""
    rows = Alert.objects.filter(state=Alert.State.OPEN).values("severity").annotate(n=Count("id")).order_by()
    return {r["severity"]: r["n"] for r in rows}


def failed_jobs_by_kind(since: dt.datetime) -> dict[str, int]:
    rows = (
        OutboundJob.objects.filter(state=OutboundJob.State.FAILED, finished_at__gte=since)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    return {r["kind"]: r["n"] for r in rows}


def _alerts_and_jobs(board: Dashboard, now) -> None:
    alerts = open_alerts_by_severity()
    for severity, label in sorted(Severity.choices, reverse=True):
        if alerts.get(severity):
            board.open_alerts.append(
                {
                    "severity": label,
                    "critical": severity == Severity.CRITICAL,
                    "count": Figure(
                        alerts[severity], _url("alerts_alert", state="open", severity__exact=severity)
                    ),
                }
            )
    since = now - dt.timedelta(hours=24)
    for kind, n in failed_jobs_by_kind(since).items():
        board.failed_jobs.append(
            {
                "kind": kind,
                "count": Figure(
                    n,
                    _url(
                        "integration_server_outboundjob",
                        state__exact="failed",
                        kind__exact=kind,
                        finished_at__gte=since,
                    ),
                ),
            }
        )
