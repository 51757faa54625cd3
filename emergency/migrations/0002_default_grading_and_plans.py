"""The default grading matrix and one response plan per grade; administrators change both.

Matrix: each of severity, scope and urgency counts 0 (low), 1 (medium) or 2 (high); a sum of
0-1 is general, 2-3 important, 4 urgent, 5-6 critical.
"""

from django.db import migrations

LEVELS = ["low", "medium", "high"]

PLANS = [
    # grade, name, response, recovery (minutes), leadership, technical, liaisons, managers, resources
    ("general", "General incident plan", 240, 2880, False, True, False, False, [("people", "One engineer", 1)]),
    (
        "important",
        "Important incident plan",
        120,
        1440,
        False,
        True,
        True,
        False,
        [("people", "Two engineers", 2), ("tool", "Remote access to the customer's system", 1)],
    ),
    (
        "urgent",
        "Urgent incident plan",
        60,
        480,
        True,
        True,
        True,
        False,
        [
            ("people", "Technical lead and senior engineers", 3),
            ("spare_part", "Spare server or disks from the regional stock", 1),
            ("tool", "Diagnostic toolkit and remote access", 1),
        ],
    ),
    (
        "critical",
        "Critical incident plan",
        30,
        240,
        True,
        True,
        True,
        True,
        [
            ("people", "Emergency leadership group on call", 1),
            ("people", "Emergency technical group on site", 3),
            ("spare_part", "Critical spare parts kit", 1),
            ("tool", "Backup restore media and diagnostic toolkit", 1),
        ],
    ),
]


def grade_for(total: int) -> str:
    return "general" if total <= 1 else "important" if total <= 3 else "urgent" if total == 4 else "critical"


def forwards(apps, schema_editor):
    GradingRule = apps.get_model("emergency", "GradingRule")
    ResponsePlan = apps.get_model("emergency", "ResponsePlan")
    PlanResource = apps.get_model("emergency", "PlanResource")
    for s, severity in enumerate(LEVELS):
        for c, scope in enumerate(LEVELS):
            for u, urgency in enumerate(LEVELS):
                GradingRule.objects.get_or_create(
                    severity=severity, scope=scope, urgency=urgency, defaults={"grade": grade_for(s + c + u)}
                )
    for grade, name, response, recovery, leadership, technical, liaisons, managers, resources in PLANS:
        plan, created = ResponsePlan.objects.get_or_create(
            grade=grade,
            defaults={
                "name": name,
                "response_minutes": response,
                "recovery_minutes": recovery,
                "notify_leadership": leadership,
                "notify_technical": technical,
                "notify_liaisons": liaisons,
                "notify_managers": managers,
            },
        )
        if created:
            for position, (kind, description, quantity) in enumerate(resources):
                PlanResource.objects.create(
                    plan=plan, position=position, kind=kind, description=description, quantity=quantity
                )


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
