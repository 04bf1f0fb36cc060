"""Evaluating every enabled rule: measure, decide (``alerts.rules``), record alerts and events, gather each
rule's announced events of the run into one notice, and queue one email / SMS job per recipient and notice — all in one transaction, in a constant number of
queries whatever the number of orders, attempts or SKUs.

Runs are serialised by locking the enabled rule rows; one open alert per rule and subject is a database
constraint; each event once per (alert, kind, severity) too."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from alerts import rules as R
from alerts.models import (
    Alert,
    AlertEvent,
    AlertMessage,
    AlertNotice,
    AlertRecipient,
    AlertRule,
    RuleKind,
)
from alerts.services import texts
from alerts.services.failing import FAILING_KINDS, failing_states
from alerts.services.measure import FAILURE_KINDS, Measurement, job_failures, missed_orders
from alerts.services.recipients import mask_address
from alerts.services.sending import SEND_EMAIL_KIND, SEND_SMS_KIND
from integration_server.models import OutboundJob
from integration_server.outbox import enqueue_jobs
from inventory.models import StockEvent, StockLevel

log = logging.getLogger(__name__)

JOB_KIND_OF_CHANNEL = {AlertMessage.Channel.EMAIL: SEND_EMAIL_KIND, AlertMessage.Channel.SMS: SEND_SMS_KIND}


@dataclass
class Plan:
    """What one evaluation decided for one rule and subject."""

    rule: AlertRule
    subject: str
    decision: R.Decision
    measurement: Measurement
    alert: Alert | None = None  # the open alert, if any


@dataclass
class EvaluationResult:
    plans: list[Plan] = field(default_factory=list)
    messages: int = 0
    dry_run: bool = False

    def count(self, action: R.Action) -> int:
        return sum(1 for p in self.plans if p.decision.action == action)

    def summary(self) -> str:
        prefix = "dry run: " if self.dry_run else ""
        return (
            f"{prefix}{len(self.plans)} checked, {self.count(R.Action.OPEN)} opened, "
            f"{self.count(R.Action.ESCALATE)} escalated, {self.count(R.Action.CLEAR)} cleared, "
            f"{self.count(R.Action.KEEP)} still open, {self.messages} messages queued"
        )


def thresholds_of(rule: AlertRule) -> R.Thresholds:
    return R.Thresholds(rule.warning_count, rule.warning_percent, rule.critical_count, rule.critical_percent)


def evaluate_alerts(now: datetime | None = None, *, dry_run: bool = False) -> EvaluationResult:
    now = now or timezone.now()
    result = EvaluationResult(dry_run=dry_run)
    with transaction.atomic():
        rules = list(AlertRule.objects.select_for_update().filter(enabled=True).order_by("pk"))
        open_alerts = {
            (a.rule_id, a.subject): a
            for a in Alert.objects.filter(state=Alert.State.OPEN, rule__in=[r.pk for r in rules])
        }
        failures = _failures_for(rules, now)
        stock_events: list[StockEvent] = []
        for rule in rules:
            if rule.kind == RuleKind.STOCK_DEPLETED:
                plans, stock_events = _stock_plans(rule, open_alerts, now)
                result.plans.extend(plans)
                continue
            if rule.kind in FAILING_KINDS:
                result.plans.extend(_failing_plans(rule, open_alerts, now))
                continue
            if rule.kind == RuleKind.MISSED_ORDERS:
                measurement = missed_orders(now, rule.window_minutes, rule.grace_minutes)
            else:
                count = failures.get(rule.window_minutes, {}).get(FAILURE_KINDS[rule.kind], 0)
                measurement = Measurement(R.Figures(count), {"window_minutes": rule.window_minutes})
            alert = open_alerts.get((rule.pk, ""))
            decision = R.decide(measurement.figures, thresholds_of(rule), alert.severity if alert else None)
            result.plans.append(Plan(rule, "", decision, measurement, alert))
        if dry_run:
            transaction.set_rollback(True)
            return result
        result.messages = _apply(result.plans, now)
        if stock_events:
            StockEvent.objects.filter(pk__in=[e.pk for e in stock_events]).update(notified_at=now)
    log.info("alerts.evaluated", extra={"summary": result.summary()})
    return result


def _failures_for(rules: list[AlertRule], now: datetime) -> dict[int, dict[str, int]]:
    """Distinct failed orders / packages per job kind, one query per distinct window (one, with the defaults)."""
    windows: dict[int, list[str]] = {}
    for rule in rules:
        if rule.kind in FAILURE_KINDS:
            windows.setdefault(rule.window_minutes, []).append(FAILURE_KINDS[rule.kind])
    return {minutes: job_failures(now, minutes, kinds) for minutes, kinds in windows.items()}


def _failing_plans(rule: AlertRule, open_alerts: dict, now: datetime) -> list[Plan]:
    """One alert per failing subject (account, or the Zoho sync): opened at warning / critical by the
    consecutive failures and how long it has been failing, cleared by the next success. One query."""
    thresholds = R.FailingThresholds(
        rule.warning_count, rule.warning_minutes, rule.critical_count, rule.critical_minutes
    )
    states = failing_states(rule.kind)
    open_by_subject = {subject: a for (rule_id, subject), a in open_alerts.items() if rule_id == rule.pk}
    plans = []
    for subject in sorted(set(states) | set(open_by_subject)):
        state = states.get(subject)
        alert = open_by_subject.get(subject)
        minutes = state.minutes(now) if state else 0.0
        failures = state.failures if state else 0
        measured = R.failing_severity(failures, minutes, thresholds)
        decision = R.decide_on_severity(measured, alert.severity if alert else None)
        if decision.action == R.Action.QUIET:
            continue
        details = {
            "failing_minutes": round(minutes),
            "last_success_at": state.last_success_at.isoformat() if state and state.last_success_at else None,
            "last_error": (state.last_error if state else "")[:300],
        }
        plans.append(Plan(rule, subject, decision, Measurement(R.Figures(failures), details), alert))
    return plans


def _stock_plans(rule: AlertRule, open_alerts: dict, now: datetime) -> tuple[list[Plan], list[StockEvent]]:
    """One alert per SKU per depletion: opened from the depletion event not yet notified, cleared once the
    SKU's shadow stock is above 0 again (a Zoho sync reset it). Two queries whatever the number of SKUs."""
    events = list(
        StockEvent.objects.filter(kind=StockEvent.Kind.DEPLETED, notified_at__isnull=True).order_by(
            "sku", "episode"
        )
    )
    newest: dict[str, StockEvent] = {e.sku: e for e in events}  # the last episode of each SKU
    open_by_sku = {subject: a for (rule_id, subject), a in open_alerts.items() if rule_id == rule.pk}
    depleted = (
        dict(StockLevel.objects.filter(sku__in=list(open_by_sku)).values_list("sku", "depleted"))
        if open_by_sku
        else {}
    )
    thresholds = thresholds_of(rule)
    plans = []
    for sku, alert in sorted(open_by_sku.items()):
        event = newest.get(sku)
        replaced = event is not None and event.episode != alert.figures.get("episode")
        if replaced or not depleted.get(sku, False):
            figures = {**alert.figures, "depleted": False}
            plans.append(
                Plan(rule, sku, R.Decision(R.Action.CLEAR, R.NONE), Measurement(R.Figures(0), figures), alert)
            )
        elif event is not None:
            plans.append(
                Plan(
                    rule,
                    sku,
                    R.Decision(R.Action.KEEP, alert.severity),
                    Measurement(R.Figures(1), alert.figures),
                    alert,
                )
            )
    for sku, event in newest.items():
        alert = open_by_sku.get(sku)
        if alert is not None and event.episode == alert.figures.get("episode"):
            continue
        figures = R.Figures(1)
        decision = R.decide_on_severity(R.severity_of(figures, thresholds), None)
        details = {"episode": event.episode, "depleted_at": event.created_at.isoformat(), **event.details}
        plans.append(Plan(rule, sku, decision, Measurement(figures, details)))
    return plans, events


def _apply(plans: list[Plan], now: datetime) -> int:
    """Write the decisions: alerts updated (clearings first: a SKU's new depletion may replace its alert),
    new alerts, events, messages and their jobs. Returns the number of messages queued."""
    changed: list[Alert] = []
    created: list[Alert] = []
    announced: list[tuple[Plan, Alert, str, int]] = []  # plan, alert, event kind, event severity
    for plan in plans:
        action, figures = plan.decision.action, _figures_json(plan.measurement)
        if action == R.Action.QUIET:
            continue
        if action == R.Action.OPEN:
            alert = Alert(
                rule=plan.rule,
                subject=plan.subject,
                severity=plan.decision.severity,
                figures=figures,
                summary=texts.summary(plan.rule, plan.subject, plan.measurement),
                opened_at=now,
                last_evaluated_at=now,
            )
            created.append(alert)
            announced.append((plan, alert, AlertEvent.Kind.OPENED, alert.severity))
            continue
        alert = plan.alert
        alert.figures, alert.last_evaluated_at = figures, now
        if action == R.Action.CLEAR:
            alert.state, alert.cleared_at = Alert.State.CLEARED, now
            announced.append((plan, alert, AlertEvent.Kind.CLEARED, alert.severity))
        elif action == R.Action.ESCALATE:
            alert.severity = plan.decision.severity
            alert.summary = texts.summary(plan.rule, plan.subject, plan.measurement)
            announced.append((plan, alert, AlertEvent.Kind.ESCALATED, alert.severity))
        changed.append(alert)
    if changed:
        Alert.objects.bulk_update(
            changed, ["figures", "last_evaluated_at", "state", "cleared_at", "severity", "summary"]
        )
    if created:
        Alert.objects.bulk_create(created)
    if not announced:
        return 0
    events_by_rule: dict[int, list[AlertEvent]] = {}
    rules: dict[int, AlertRule] = {}
    for plan, alert, kind, severity in announced:
        rules[plan.rule.pk] = plan.rule
        events_by_rule.setdefault(plan.rule.pk, []).append(
            AlertEvent(
                alert=alert,
                kind=kind,
                severity=severity,
                figures=_figures_json(plan.measurement),
                title=texts.title(plan.rule, plan.subject, kind, severity, plan.measurement),
                text=texts.body(plan.rule, plan.subject, kind, severity, plan.measurement),
                created_at=now,
            )
        )
    notices = {
        rule_id: AlertNotice(
            rule=rules[rule_id],
            severity=max(e.severity for e in events),
            title=texts.notice_title(rules[rule_id], events),
            text=texts.notice_text(events),
            created_at=now,
        )
        for rule_id, events in events_by_rule.items()
    }
    AlertNotice.objects.bulk_create(list(notices.values()))
    for rule_id, events in events_by_rule.items():
        for event in events:
            event.notice = notices[rule_id]
    AlertEvent.objects.bulk_create([e for events in events_by_rule.values() for e in events])
    return _queue_messages(list(notices.values()), now)


def _queue_messages(notices: list[AlertNotice], now: datetime) -> int:
    recipients = list(AlertRecipient.objects.filter(enabled=True).order_by("pk"))
    messages = []
    for notice in notices:
        for channel in R.channels_for(notice.severity):
            for recipient in recipients:
                address = recipient.email if channel == AlertMessage.Channel.EMAIL else recipient.phone
                if address:
                    messages.append(
                        AlertMessage(
                            notice=notice,
                            recipient=recipient,
                            channel=channel,
                            to=address,
                            to_masked=mask_address(address),
                            created_at=now,
                        )
                    )
    if not messages:
        log.warning("alerts.no_recipients", extra={"notices": len(notices)})
        return 0
    AlertMessage.objects.bulk_create(messages)
    enqueue_jobs(
        [
            OutboundJob(
                kind=JOB_KIND_OF_CHANNEL[m.channel],
                payload={"message_id": m.pk},
                dedupe_key=f"alert-message:{m.pk}",
            )
            for m in messages
        ]
    )
    return len(messages)


def _figures_json(measurement: Measurement) -> dict:
    figures = measurement.figures
    data = {**measurement.details, "count": figures.count}
    if figures.total is not None:
        data["total"] = figures.total
        data["percent"] = str(figures.percent) if figures.percent is not None else None
    return data
