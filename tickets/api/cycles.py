"""API pieces of the SLA cycles and logged calls: /api/v1/tickets/<id>/sla-history/ and
/api/v1/tickets/<id>/log-call/."""

from rest_framework import serializers

from core.api_input import StrictCharField
from tickets.models import Metric


class CycleMetricOutput(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    target_minutes = serializers.IntegerField()
    started_at = serializers.DateTimeField(help_text="The start of the metric's last run in the cycle.")
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField(help_text="Breached in this cycle (for the update target: in any interval).")
    breaches = serializers.IntegerField(help_text="How many times the target was breached in this cycle.")


class CycleOutput(serializers.Serializer):
    number = serializers.IntegerField(help_text="1, and one more at each reopening.")
    current = serializers.BooleanField()
    started_at = serializers.DateTimeField(help_text="When the ticket was received, or reopened.")
    ended_at = serializers.DateTimeField(allow_null=True, help_text="When the ticket was reopened; null: current.")
    breached = serializers.BooleanField(help_text="Any metric breached in this cycle.")
    metrics = CycleMetricOutput(many=True)


class LogCallInput(serializers.Serializer):
    summary = StrictCharField(help_text="What was said; the customer sees it in the ticket's history.")
    at = serializers.DateTimeField(required=False, help_text="When the call was. Default: now.")
