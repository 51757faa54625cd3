"""The maintenance admin: every page renders, and the records with rules of their own are
saved through their services (a refusal is a form error, nothing half-saved)."""

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from customers.models import InstalledProduct
from maintenance import services
from maintenance.models import (
    ChecklistTemplate,
    Inspection,
    InspectionSchedule,
    Product,
    Release,
    ReturnVisit,
    ServiceContract,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)
from tests.customers.factories import InstalledProductFactory, ProjectFactory

pytestmark = pytest.mark.django_db

MODELS = [
    WarrantyTerms,
    Warranty,
    ServiceContract,
    ChecklistTemplate,
    InspectionSchedule,
    Inspection,
    ReturnVisit,
    Product,
    Release,
    UpgradeNotice,
]
READ_ONLY = {Inspection, UpgradeNotice}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:maintenance_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def everything(warranty_a, schedule_a, project_a, engineer, manager):
    """One row of each model, made through the services."""
    services.contract_save(
        project=project_a,
        number="SC-2026-001",
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2027, 2, 28),
        service_level="7x24",
    )
    services.inspections_plan(today=datetime.date(2026, 1, 5))
    services.return_visit_save(actor=manager, project=project_a, scheduled_for=datetime.date(2026, 2, 1), staff=manager)
    InstalledProductFactory(project=project_a, name="Records Application", version="7.3")
    product = Product.objects.create(name="Records Application")
    release = Release.objects.create(product=product, version="7.4", released_on=datetime.date(2026, 1, 10))
    services.release_publish(release_id=release.pk, actor=manager)
    return {model: model.objects.first() for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_page_renders(staff_client, everything, model, django_assert_max_num_queries):
    assert admin.site.is_registered(model)
    with django_assert_max_num_queries(25):
        assert staff_client.get(url(model, "changelist")).status_code == 200
    assert staff_client.get(url(model, "changelist"), {"q": "A"}).status_code == 200
    obj = everything[model]
    assert obj is not None
    assert staff_client.get(url(model, "change", obj.pk)).status_code == 200
    expected_add = 403 if model in READ_ONLY else 200
    assert staff_client.get(url(model, "add")).status_code == expected_add


def test_read_only_records_cannot_be_changed_here(staff_client, everything):
    inspection = everything[Inspection]

    response = staff_client.post(url(Inspection, "change", inspection.pk), {"title": "Renamed"})

    assert response.status_code == 403
    inspection.refresh_from_db()
    assert inspection.title == "Quarterly inspection"


def test_the_warranty_status_filter(staff_client, warranty_a, project_b, terms):
    services.warranty_save(project=project_b, terms=terms, start_date=datetime.date(2025, 6, 30))

    response = staff_client.get(url(Warranty, "changelist"), {"status": "expired"})

    assert list(response.context["cl"].result_list) == [warranty_a]  # ended 2026-02-28


# --- saved through the services -----------------------------------------------------------


def test_terms_are_entered_in_months_with_checkboxes_and_shown_in_years(staff_client):
    page = staff_client.get(url(WarrantyTerms, "add")).content.decode()
    assert 'type="checkbox" name="covered_causes" value="installation"' in page
    assert 'type="checkbox" name="services_included" value="major_upgrade"' in page

    response = staff_client.post(
        url(WarrantyTerms, "add"),
        {
            "name": "Eighteen months",
            "duration_months": "18",
            "covered_causes": ["product_quality", "misuse"],
            "services_included": ["repair", "patch"],
            "description": "",
        },
    )

    assert response.status_code == 302
    terms = WarrantyTerms.objects.get(name="Eighteen months")
    assert terms.duration_months == 18
    assert terms.covered_causes == ["product_quality", "misuse"]
    assert terms.services_included == ["repair", "patch"]
    listing = staff_client.get(url(WarrantyTerms, "changelist")).content.decode()
    assert '<td class="field-years">1.5</td>' in listing


def test_terms_changed_here_keep_their_lists(staff_client, terms):
    response = staff_client.post(
        url(WarrantyTerms, "change", terms.pk),
        {"name": terms.name, "duration_months": "36", "covered_causes": [], "services_included": ["repair"]},
    )

    assert response.status_code == 302
    terms.refresh_from_db()
    assert (terms.duration_months, terms.covered_causes, terms.services_included) == (36, [], ["repair"])


def test_a_warranty_starts_on_acceptance_and_its_end_is_computed(staff_client, project_a, terms):
    project_a.final_acceptance_date = datetime.date(2024, 2, 29)
    project_a.save()

    response = staff_client.post(
        url(Warranty, "add"), {"project": project_a.pk, "terms": terms.pk, "start_date": "", "asset": "", "notes": ""}
    )

    assert response.status_code == 302
    warranty = Warranty.objects.get(project=project_a)
    assert (warranty.start_date, warranty.end_date) == (datetime.date(2024, 2, 29), datetime.date(2026, 2, 28))
    assert warranty.history.count() == 1  # saved once: the form's check left nothing behind


def test_changing_the_terms_of_a_warranty_moves_its_end(staff_client, warranty_a):
    longer = WarrantyTerms.objects.create(name="Three years", duration_months=36)

    response = staff_client.post(
        url(Warranty, "change", warranty_a.pk),
        {"project": warranty_a.project_id, "terms": longer.pk, "start_date": "2024-02-29", "notes": "Extended"},
    )

    assert response.status_code == 302
    warranty_a.refresh_from_db()
    assert (warranty_a.end_date, warranty_a.notes) == (datetime.date(2027, 2, 28), "Extended")


def test_a_warranty_the_service_refuses_is_a_form_error(staff_client, terms):
    project = ProjectFactory(final_acceptance_date=None)
    elsewhere = InstalledProductFactory()

    no_start = staff_client.post(url(Warranty, "add"), {"project": project.pk, "terms": terms.pk, "start_date": ""})
    wrong_asset = staff_client.post(
        url(Warranty, "add"),
        {"project": project.pk, "terms": terms.pk, "start_date": "2025-01-01", "asset": elsewhere.pk},
    )

    assert no_start.status_code == 200
    assert "The project has no final acceptance date" in no_start.context["adminform"].form.errors["start_date"][0]
    assert wrong_asset.status_code == 200
    assert wrong_asset.context["adminform"].form.errors["asset"] == ["The asset is installed at another project."]
    assert not Warranty.objects.exists()


def test_a_contract_is_saved_through_its_service(staff_client, project_a, project_b):
    asset = InstalledProductFactory(project=project_b)
    data = {
        "number": "SC-9",
        "project": project_a.pk,
        "asset": asset.pk,
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "covered_causes": ["installation"],
        "services_included": ["repair"],
    }

    refused = staff_client.post(url(ServiceContract, "add"), data)
    saved = staff_client.post(url(ServiceContract, "add"), {**data, "asset": ""})

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["asset"] == ["The asset is installed at another project."]
    assert saved.status_code == 302
    contract = ServiceContract.objects.get()
    assert (contract.number, contract.covered_causes, contract.asset) == ("SC-9", ["installation"], None)


def schedule_data(project, engineer, checklist, **changes) -> dict:
    return {
        "project": project.pk,
        "name": "Half-yearly inspection",
        "rule": "FREQ=MONTHLY;INTERVAL=6",
        "first_date": "2026-03-01",
        "engineer": engineer.pk,
        "checklist": checklist.pk,
        "lead_days": "30",
        "is_active": "on",
        **changes,
    }


def test_a_schedule_with_a_bad_rule_is_a_form_error(staff_client, project_a, engineer, checklist):
    response = staff_client.post(
        url(InspectionSchedule, "add"), schedule_data(project_a, engineer, checklist, rule="EVERY=QUARTER")
    )

    assert response.status_code == 200
    assert "Not an RFC 5545 recurrence rule" in response.context["adminform"].form.errors["rule"][0]
    assert not InspectionSchedule.objects.exists()


def test_a_schedule_is_saved_and_changed_through_its_service(staff_client, schedule_a, engineer, checklist):
    added = staff_client.post(url(InspectionSchedule, "add"), schedule_data(schedule_a.project, engineer, checklist))
    hourly = staff_client.post(
        url(InspectionSchedule, "change", schedule_a.pk),
        schedule_data(schedule_a.project, engineer, checklist, name=schedule_a.name, rule="FREQ=HOURLY"),
    )

    assert added.status_code == 302
    assert InspectionSchedule.objects.get(name="Half-yearly inspection").rule == "FREQ=MONTHLY;INTERVAL=6"
    assert hourly.status_code == 200
    assert hourly.context["adminform"].form.errors["rule"] == ["Visits repeat daily at most."]
    schedule_a.refresh_from_db()
    assert schedule_a.rule == "FREQ=MONTHLY;INTERVAL=3"


def test_only_staff_can_be_the_engineer(staff_client, project_a, checklist, customer_a, engineer):
    page = staff_client.get(url(InspectionSchedule, "add")).content.decode()
    assert f'<option value="{engineer.pk}">' in page
    assert f'<option value="{customer_a.pk}">' not in page

    response = staff_client.post(url(InspectionSchedule, "add"), schedule_data(project_a, customer_a, checklist))

    assert response.status_code == 200 and "engineer" in response.context["adminform"].form.errors
    assert not InspectionSchedule.objects.exists()


def test_a_checklist_template_is_saved_with_its_items(staff_client):
    response = staff_client.post(
        url(ChecklistTemplate, "add"),
        {
            "name": "Annual health check",
            "description": "",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-0-position": "0",
            "items-0-section": "system_status",
            "items-0-label": "Fans spinning",
            "items-0-answer_kind": "pass_fail",
            "items-1-position": "1",
            "items-1-section": "performance",
            "items-1-label": "Disk latency",
            "items-1-answer_kind": "value",
            "items-1-unit": "ms",
        },
    )

    assert response.status_code == 302
    template = ChecklistTemplate.objects.get(name="Annual health check")
    assert [(item.label, item.unit) for item in template.items.all()] == [("Fans spinning", ""), ("Disk latency", "ms")]


def test_a_return_visit_is_planned_through_its_service(staff_client, project_a, project_b, manager, customer_a):
    from tickets.services import ticket_create

    ticket_b = ticket_create(actor=manager, project=project_b, title="Disk", priority="normal", description="Full")
    data = {"project": project_a.pk, "scheduled_for": "2026-02-01", "staff": manager.pk, "contact_name": "Alice"}

    refused = staff_client.post(url(ReturnVisit, "add"), {**data, "ticket": ticket_b.pk})
    saved = staff_client.post(url(ReturnVisit, "add"), data)

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["ticket"] == ["The ticket belongs to another project."]
    assert saved.status_code == 302
    visit = ReturnVisit.objects.get()
    assert (visit.project, visit.staff, visit.status) == (project_a, manager, ReturnVisit.Status.PLANNED)
    services.return_visit_done(visit_id=visit.pk, actor=manager, notes="Happy", satisfaction=5)
    done = staff_client.post(url(ReturnVisit, "change", visit.pk), {**data, "contact_name": "Changed"})
    assert done.status_code == 403
    visit.refresh_from_db()
    assert visit.contact_name == "Alice"


def test_publishing_a_release_from_the_admin_reaches_the_projects(staff_client, project_a, project_b):
    InstalledProductFactory(project=project_a, name="SCADA Server", version="4.2.1")
    InstalledProductFactory(project=project_b, name="scada server", version="4.3.0")  # already there
    product = Product.objects.create(name="SCADA Server")
    release = Release.objects.create(product=product, version="4.3.0", released_on=datetime.date(2026, 1, 10))

    response = staff_client.post(
        url(Release, "changelist"), {"action": "publish", "_selected_action": [release.pk]}, follow=True
    )
    again = staff_client.post(
        url(Release, "changelist"), {"action": "publish", "_selected_action": [release.pk]}, follow=True
    )

    assert "1 upgrade notice sent." in [str(m) for m in response.context["messages"]]
    assert "0 upgrade notices sent." in [str(m) for m in again.context["messages"]]
    notice = UpgradeNotice.objects.get()
    assert (notice.project, notice.from_version) == (project_a, "4.2.1")
    release.refresh_from_db()
    assert release.published_at is not None


def test_the_asset_choices_name_their_project(staff_client, project_a):
    InstalledProductFactory(project=project_a, name="Storage array", version="11.2")

    page = staff_client.get(url(Warranty, "add")).content.decode()

    asset = InstalledProduct.objects.get(name="Storage array")
    assert f'<option value="{asset.pk}">Project A: Storage array 11.2</option>' in page


@time_machine.travel(datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC))
def test_the_demo_data_is_made_once_and_shows_in_the_admin(staff_client):
    call_command("seed_demo", verbosity=0)
    counts = {model: model.objects.count() for model in MODELS}
    call_command("seed_demo", verbosity=0)

    assert {model: model.objects.count() for model in MODELS} == counts
    terms = WarrantyTerms.objects.get()
    assert (terms.name, terms.duration_months) == ("Standard 2-year warranty", 24)
    assert terms.covered_causes == ["product_quality", "installation"]
    # Eastbay, accepted 2025-06-30, is under warranty; Northgate's ended on 2026-02-28 and a
    # paid contract took over the next day
    ends = dict(Warranty.objects.filter(asset=None).values_list("project__code", "end_date"))
    assert ends == {"ebw-scada": datetime.date(2027, 6, 30), "ngh-records": datetime.date(2026, 2, 28)}
    contract = ServiceContract.objects.get()
    assert (contract.project.code, contract.start_date) == ("ngh-records", datetime.date(2026, 3, 1))
    template = ChecklistTemplate.objects.get(name="Quarterly inspection")
    assert {item.section for item in template.items.all()} == {"system_status", "performance", "risk"}
    schedules = InspectionSchedule.objects.all()
    assert sorted(s.project.code for s in schedules) == ["ebw-scada", "ngh-records"]
    assert {(s.rule, s.engineer.username) for s in schedules} == {("FREQ=MONTHLY;INTERVAL=3", "engineer")}
    # each schedule's first visit is within its lead time (the reports' history adds past visits)
    planned = Inspection.objects.filter(schedule__isnull=False)
    assert planned.count() == 2
    assert planned.first().answers.count() == len(template.items.all())
    notice = UpgradeNotice.objects.get(release__version="4.3.0")
    assert (notice.installed_product.name, notice.from_version, notice.release.version) == (
        "SCADA Server",
        "4.2.1",
        "4.3.0",
    )
    assert notice.decision == "free"  # a minor upgrade under warranty
    visit = ReturnVisit.objects.get(status=ReturnVisit.Status.PLANNED, schedule=None)  # not demo/loops.py's
    assert visit.project.code == "ngh-records"
    listing = staff_client.get(url(Warranty, "changelist")).content.decode()
    assert "SCADA monitoring platform" in listing and "Patient records system" in listing
