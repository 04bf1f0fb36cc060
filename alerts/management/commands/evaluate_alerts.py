"""Evaluate the alert rules now (what the 5-minute schedule does); --dry-run shows the decisions only."""

from django.core.management.base import BaseCommand

from alerts.services import open_orders
from alerts.services.evaluate import evaluate_alerts


class Command(BaseCommand):
    help = "Evaluate the ops alert rules: open, escalate or clear alerts and queue their emails / SMS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the decisions; write and send nothing."
        )
        parser.add_argument(
            "--check-open-orders",
            action="store_true",
            help="First compare the marketplaces' open orders with ours (calls the marketplaces).",
        )

    def handle(self, *args, dry_run=False, check_open_orders=False, **options):
        if check_open_orders and not dry_run:
            counts = open_orders.check_open_orders()
            self.stdout.write(f"open orders: {counts}")
        result = evaluate_alerts(dry_run=dry_run)
        for plan in result.plans:
            figures = plan.measurement.figures
            rate = f" ({figures.percent} %)" if figures.percent is not None else ""
            self.stdout.write(
                f"{plan.rule.kind:<28} {plan.subject or '-':<20} {figures.count}{rate} -> "
                f"{plan.decision.action} (severity {plan.decision.severity})"
            )
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if not dry_run and result.messages:
            self.stdout.write(
                "the messages go out through the outbox worker (job kinds alerts.send_email / send_sms)"
            )
