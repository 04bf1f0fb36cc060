"""Ops alerts (SPEC 5, DESIGN flow 6).

Every 5 minutes ``alerts.tasks.evaluate_alerts_task`` measures the figures of each enabled ``AlertRule``
(``services.measure``: missed orders, failed job attempts per hour, shadow-stock depletion events), decides
with the pure ``alerts.rules.decide`` (open / escalate / keep quiet / clear), records ``Alert`` and
``AlertEvent`` rows, gathers each rule's events of the run into one ``AlertNotice`` and queues one outbox job
per recipient and channel (``alerts.send_email``, ``alerts.send_sms``), each audited as an ``AlertMessage``.
Every 30 minutes ``alerts.tasks.check_open_orders_task`` compares the open orders of marketplaces whose
connector can list them with ours (``OpenOrdersCheck``), which the missed-orders figure adds in.
"""
