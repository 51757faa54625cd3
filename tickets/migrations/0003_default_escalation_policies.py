"""The escalation defaults of the after-sales plan: an urgent ticket's unanswered first
response goes to the emergency technical group at once and the leadership group right after;
any other breach to the team lead, then, half an hour later, the managers."""

from django.db import migrations

DEFAULTS = [
    (
        "Urgent fault unanswered",
        "urgent",
        "first_response",
        [("notify_group", "technical", 0), ("notify_group", "leadership", 0)],
    ),
    ("Standard escalation", "", "", [("notify_team_lead", "", 0), ("notify_managers", "", 30)]),
]


def create(apps, schema_editor):
    Policy = apps.get_model("tickets", "EscalationPolicy")
    Step = apps.get_model("tickets", "EscalationStep")
    for name, priority, metric, steps in DEFAULTS:
        policy, created = Policy.objects.get_or_create(name=name, defaults={"priority": priority, "metric": metric})
        if created:
            for position, (action, group, delay) in enumerate(steps, start=1):
                Step.objects.create(policy=policy, position=position, action=action, group=group, delay_minutes=delay)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_escalation")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
