"""The default grading matrix and one response plan per grade, written by migration
emergency/0002 and again by ``manage.py setup_desk`` where missing; administrators change both.

Matrix: each of severity, scope and urgency counts 0 (low), 1 (medium) or 2 (high); a sum of
0-1 is general, 2-3 important, 4 urgent, 5-6 critical.
"""

from django.db.models import Model

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

# the on-site arrival target of each grade's plan (minutes from the dispatch, round the clock)
ONSITE_MINUTES = {"general": 1440, "important": 720, "urgent": 240, "critical": 120}


def grade_for(total: int) -> str:
    return "general" if total <= 1 else "important" if total <= 3 else "urgent" if total == 4 else "critical"


def grading_defaults_ensure(grading_rule: type[Model], response_plan: type[Model], plan_resource: type[Model]) -> int:
    """Create the matrix cells and the plans of grades that are missing; returns how many rows.
    Migration emergency/0002 passes its historical models, ``setup_desk`` the current ones."""
    created = 0
    for s, severity in enumerate(LEVELS):
        for c, scope in enumerate(LEVELS):
            for u, urgency in enumerate(LEVELS):
                _rule, made = grading_rule.objects.get_or_create(
                    severity=severity, scope=scope, urgency=urgency, defaults={"grade": grade_for(s + c + u)}
                )
                created += made
    for grade, name, response, recovery, leadership, technical, liaisons, managers, resources in PLANS:
        defaults = {
            "name": name,
            "response_minutes": response,
            "recovery_minutes": recovery,
            "notify_leadership": leadership,
            "notify_technical": technical,
            "notify_liaisons": liaisons,
            "notify_managers": managers,
        }
        if any(field.name == "onsite_minutes" for field in response_plan._meta.get_fields()):
            defaults["onsite_minutes"] = ONSITE_MINUTES[grade]  # not in the plans of migration 0002
        plan, made = response_plan.objects.get_or_create(grade=grade, defaults=defaults)
        if made:
            created += 1
            for position, (kind, description, quantity) in enumerate(resources):
                plan_resource.objects.create(
                    plan=plan, position=position, kind=kind, description=description, quantity=quantity
                )
    return created
