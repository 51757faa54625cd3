"""Maintenance fixtures: a 2-year warranty on project A, a checklist, a quarterly schedule."""

import datetime

import pytest

from maintenance import services
from maintenance.models import AnswerKind, ChecklistItem, ChecklistTemplate, Section, WarrantyTerms


@pytest.fixture
def terms(db):
    return WarrantyTerms.objects.create(name="Standard 2 years", duration_months=24)


@pytest.fixture
def warranty_a(project_a, terms):
    project_a.final_acceptance_date = datetime.date(2024, 2, 29)
    project_a.save()
    return services.warranty_save(project=project_a, terms=terms)


@pytest.fixture
def checklist(db):
    template = ChecklistTemplate.objects.create(name="Quarterly inspection")
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(template=template, position=0, section=Section.SYSTEM_STATUS, label="Servers up"),
            ChecklistItem(
                template=template,
                position=1,
                section=Section.PERFORMANCE,
                label="CPU load",
                answer_kind=AnswerKind.VALUE,
                unit="%",
            ),
            ChecklistItem(template=template, position=2, section=Section.RISK, label="Backups restorable"),
        ]
    )
    return template


@pytest.fixture
def schedule_a(project_a, engineer, checklist):
    return services.schedule_save(
        project=project_a,
        name="Quarterly inspection",
        rule="FREQ=MONTHLY;INTERVAL=3",
        first_date=datetime.date(2026, 1, 15),
        engineer=engineer,
        checklist=checklist,
        lead_days=30,
    )
