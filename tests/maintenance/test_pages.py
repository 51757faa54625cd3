"""The maintenance pages: the overview per role, warranties with their "check a date" answer,
contracts, the coverage panel on the ticket page, schedules with their next dates, the
engineer's checklist, photos and the PDF report, calendar feeds, return visits, releases with
their upgrade notices, and the public satisfaction survey."""

import datetime
import io

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from customers.models import InstalledProduct, Project
from maintenance import services, visit_feeds
from maintenance.models import (
    BillableItem,
    Coverage,
    Inspection,
    InspectionPhoto,
    InspectionSchedule,
    Product,
    Release,
    ReturnVisit,
    ServiceContract,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)
from tests.accounts.factories import feed_key
from tests.customers.factories import InstalledProductFactory
from tickets.models import Ticket
from tickets.services import ticket_create, ticket_update

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(size: tuple[int, int] = (64, 48), colour: str = "red", name: str = "rack.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def today() -> datetime.date:
    return timezone.localdate()


def visit(schedule: InspectionSchedule) -> Inspection:
    """The schedule's first visit, planned by the beat as it would be."""
    assert services.inspections_plan(today=schedule.first_date - datetime.timedelta(days=10)) == 1
    return Inspection.objects.get(schedule=schedule)


def rows(inspection: Inspection) -> dict[str, int]:
    return {row.label: row.pk for row in inspection.answers.all()}


def checklist_post(inspection: Inspection, *, findings: str = "Backups fail on Sundays", **override) -> dict:
    ids = rows(inspection)
    data = {
        f"result-{ids['Servers up']}": "pass",
        f"value-{ids['CPU load']}": "42",
        f"note-{ids['CPU load']}": "Peaks at 80 at month end",
        f"result-{ids['Backups restorable']}": "fail",
        f"note-{ids['Backups restorable']}": "Restore test failed",
        "findings": findings,
        "recommendations": "Move the backup window",
    }
    data.update(override)
    return data


@pytest.fixture
def completed(schedule_a, engineer) -> Inspection:
    inspection = visit(schedule_a)
    ids = rows(inspection)
    services.inspection_record(
        inspection_id=inspection.pk,
        actor=engineer,
        answers={
            ids["Servers up"]: {"result": "pass"},
            ids["CPU load"]: {"value": "42"},
            ids["Backups restorable"]: {"result": "fail"},
        },
        findings="Zephyr findings of A",
    )
    services.photo_add(inspection_id=inspection.pk, actor=engineer, image=png(), caption="Rack B4")
    return services.inspection_complete(inspection_id=inspection.pk, actor=engineer)


@pytest.fixture
def ticket_a(project_a, customer_a) -> Ticket:
    return ticket_create(actor=customer_a, project=project_a, title="Gateway restarts", description="Every hour")


# --- who sees which page --------------------------------------------------------------------


def test_every_page_renders_for_staff(client, engineer, manager, warranty_a, schedule_a, completed, ticket_a):
    contract = services.contract_save(
        project=warranty_a.project, number="SC-1", start_date=D(2026, 3, 1), end_date=D(2027, 2, 28)
    )
    visit_ = services.return_visit_save(
        actor=engineer, project=warranty_a.project, scheduled_for=today(), staff=engineer
    )
    release = Release.objects.create(
        product=Product.objects.create(name="Gateway"), version="2.0", released_on=today(), kind=Release.Kind.MINOR
    )
    pages = [
        reverse("maintenance:overview"),
        reverse("maintenance:warranties"),
        reverse("maintenance:warranty_detail", args=[warranty_a.pk]),
        reverse("maintenance:contracts"),
        reverse("maintenance:schedules"),
        reverse("maintenance:inspections"),
        reverse("maintenance:inspections") + "?show=all",
        reverse("maintenance:inspection_detail", args=[completed.pk]),
        reverse("maintenance:health_check_create"),
        reverse("maintenance:return_visits"),
        reverse("maintenance:return_visit_create"),
        reverse("maintenance:return_visit_done", args=[visit_.pk]),
        reverse("maintenance:releases"),
        reverse("maintenance:release_detail", args=[release.pk]),
        reverse("tickets:detail", args=[ticket_a.pk]),
    ]
    manager_pages = [
        reverse("maintenance:warranty_create"),
        reverse("maintenance:warranty_edit", args=[warranty_a.pk]),
        reverse("maintenance:contract_create"),
        reverse("maintenance:contract_edit", args=[contract.pk]),
        reverse("maintenance:schedule_create"),
        reverse("maintenance:schedule_edit", args=[schedule_a.pk]),
    ]
    client.force_login(engineer)
    for url in pages:
        assert client.get(url).status_code == 200, url
    for url in manager_pages:
        assert client.get(url).status_code == 403, url
    client.force_login(manager)
    for url in pages + manager_pages:
        assert client.get(url).status_code == 200, url


def test_the_navigation_leads_each_role_to_the_overview(client, engineer, customer_a):
    client.force_login(engineer)
    nav = {item["label"]: item["url"] for item in client.get(reverse("home")).context["nav_items"]}
    assert nav["Maintenance"] == reverse("maintenance:overview")
    client.force_login(customer_a)
    nav = {item["label"]: item["url"] for item in client.get(reverse("home")).context["nav_items"]}
    assert nav["Warranty"] == reverse("maintenance:overview")


def test_the_staff_overview_counts_what_needs_attention(client, engineer, project_a, project_b, terms):
    day = today()
    # a warranty ending in 10 days is expiring; one ending in a year is not
    services.warranty_save(project=project_a, terms=terms, start_date=day - datetime.timedelta(days=720))
    services.warranty_save(project=project_b, terms=terms, start_date=day)
    for due in (day - datetime.timedelta(days=2), day + datetime.timedelta(days=3), day + datetime.timedelta(days=40)):
        services.health_check_create(actor=engineer, project=project_a, engineer=engineer, due_date=due, title="Check")
    services.return_visit_save(actor=engineer, project=project_a, scheduled_for=day, staff=engineer)
    client.force_login(engineer)
    page = client.get(reverse("maintenance:overview"))
    assert page.context["counts"] == {"expiring": 1, "due": 1, "overdue": 1, "return_visits": 1, "notices": 0}
    assert reverse("maintenance:inspections") + "?show=overdue" in page.text
    assert reverse("maintenance:warranties") + "?status=expiring" in page.text
    # the engineer's own visits, the overdue one flagged
    assert page.text.count('class="list-group-item list-group-item-action') == 3
    assert "Overdue" in page.text


def test_customers_see_their_organisations_records_and_only_those(
    client, customer_a, customer_b, warranty_a, completed, project_b, terms
):
    services.warranty_save(project=project_b, terms=terms, start_date=D(2025, 1, 1))
    client.force_login(customer_a)
    page = client.get(reverse("maintenance:overview"))
    assert page.status_code == 200
    assert "Project A" in page.text and "Project B" not in page.text
    assert reverse("maintenance:inspection_pdf", args=[completed.pk]) in page.text
    assert "Expired" in page.text  # 2024-02-29 + 2 years is over
    warranties = client.get(reverse("maintenance:warranties"))
    assert "Project A" in warranties.text and "Project B" not in warranties.text
    assert "Add a warranty" not in warranties.text

    client.force_login(customer_b)
    for url in (
        reverse("maintenance:warranty_detail", args=[warranty_a.pk]),
        reverse("maintenance:inspection_detail", args=[completed.pk]),
        reverse("maintenance:inspection_pdf", args=[completed.pk]),
        reverse("maintenance:photo", args=[completed.pk, completed.photos.get().pk]),
        reverse("maintenance:warranties") + f"?project={warranty_a.project_id}",
    ):
        assert client.get(url).status_code == 404, url
    overview = client.get(reverse("maintenance:overview"))
    assert "Project A" not in overview.text and "Zephyr findings" not in overview.text
    assert "Project A" not in client.get(reverse("maintenance:inspections") + "?show=all").text


def test_staff_only_pages_refuse_customers(client, customer_a, engineer, schedule_a):
    visit_ = services.return_visit_save(
        actor=engineer, project=schedule_a.project, scheduled_for=today(), staff=engineer
    )
    client.force_login(customer_a)
    for url in (
        reverse("maintenance:schedules"),
        reverse("maintenance:schedule_edit", args=[schedule_a.pk]),
        reverse("maintenance:health_check_create"),
        reverse("maintenance:return_visits"),
        reverse("maintenance:return_visit_create"),
        reverse("maintenance:return_visit_done", args=[visit_.pk]),
        reverse("maintenance:warranty_create"),
    ):
        assert client.get(url).status_code == 403, url


def test_pages_ask_anonymous_visitors_to_sign_in(client, warranty_a):
    for url in (reverse("maintenance:overview"), reverse("maintenance:warranty_detail", args=[warranty_a.pk])):
        answer = client.get(url)
        assert answer.status_code == 302 and answer.url.startswith(reverse("accounts:login"))


# --- warranties and contracts ---------------------------------------------------------------


def test_a_manager_adds_a_warranty_from_the_acceptance_date_and_checks_dates(client, manager, project_a, terms):
    project_a.final_acceptance_date = D(2024, 2, 29)
    project_a.save()
    client.force_login(manager)
    answer = client.post(reverse("maintenance:warranty_create"), {"project": project_a.pk, "terms": terms.pk})
    warranty = Warranty.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("maintenance:warranty_detail", args=[warranty.pk])
    assert (warranty.start_date, warranty.end_date) == (D(2024, 2, 29), D(2026, 2, 28))

    detail = reverse("maintenance:warranty_detail", args=[warranty.pk])
    page = client.get(detail)
    assert "Product quality, Installation" in page.text  # the causes covered
    assert "Misuse or improper operation" in page.text  # among those not covered
    assert "Major-version upgrades" in page.text  # the service excluded by default
    covered = client.get(detail, {"date": "2026-02-28"})
    assert covered.context["answer"]["covered"] is True
    assert "Under warranty (Standard 2 years)" in covered.text
    after = client.get(detail, {"date": "2026-03-01"})
    assert after.context["answer"]["covered"] is False and "has expired" in after.text
    bad = client.get(detail, {"date": "yesterday"})
    assert bad.status_code == 200 and bad.context["answer"] is None and "valid date" in bad.text


def test_a_warranty_without_a_start_shows_the_error_and_saves_nothing(client, manager, project_a, terms):
    project_a.final_acceptance_date = None
    project_a.save()
    client.force_login(manager)
    answer = client.post(reverse("maintenance:warranty_create"), {"project": project_a.pk, "terms": terms.pk})
    assert answer.status_code == 200
    assert "no final acceptance date" in answer.text
    assert answer.context["form"].errors["start_date"]
    # an asset of another project is refused on its field
    other = InstalledProductFactory()
    answer = client.post(
        reverse("maintenance:warranty_create"),
        {"project": project_a.pk, "terms": terms.pk, "start_date": "2025-01-01", "asset": other.pk},
    )
    assert "installed at another project" in answer.context["form"].errors["asset"][0]
    assert not Warranty.objects.exists()


def test_editing_a_warranty_moves_its_end(client, manager, warranty_a):
    longer = WarrantyTerms.objects.create(name="Extended 3 years", duration_months=36)
    client.force_login(manager)
    client.post(
        reverse("maintenance:warranty_edit", args=[warranty_a.pk]),
        {"project": warranty_a.project_id, "terms": longer.pk, "start_date": "2024-02-29"},
    )
    warranty_a.refresh_from_db()
    assert (warranty_a.terms, warranty_a.end_date) == (longer, D(2027, 2, 28))


def test_the_warranty_list_filters_by_status_with_badges(client, engineer, terms, org_a):
    from tests.customers.factories import ProjectFactory

    day = today()
    starts = {
        "pending": day + datetime.timedelta(days=5),
        "active": day - datetime.timedelta(days=30),
        "expiring": day - datetime.timedelta(days=700),
        "expired": day - datetime.timedelta(days=1000),
    }
    for name, start in starts.items():
        project = ProjectFactory(organisation=org_a, name=f"Project {name}")
        services.warranty_save(project=project, terms=terms, start_date=start)
    client.force_login(engineer)
    everything = client.get(reverse("maintenance:warranties"))
    for badge in ("text-bg-secondary", "text-bg-success", "text-bg-warning", "text-bg-danger"):
        assert f"warranty-state {badge}" in everything.text
    for name in starts:
        page = client.get(reverse("maintenance:warranties"), {"status": name})
        listed = [warranty.project.name for warranty in page.context["page"]]
        assert listed == [f"Project {name}"], name
    # an unknown status lists everything
    assert len(client.get(reverse("maintenance:warranties"), {"status": "bogus"}).context["page"]) == 4


def test_the_warranty_list_runs_a_fixed_number_of_queries(
    client, engineer, terms, org_a, django_assert_max_num_queries
):
    from tests.customers.factories import ProjectFactory

    for n in range(12):
        services.warranty_save(project=ProjectFactory(organisation=org_a), terms=terms, start_date=D(2025, 1, n + 1))
    client.force_login(engineer)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("maintenance:warranties"))
    assert len(page.context["page"]) == 12


def test_a_manager_adds_a_contract_and_bad_dates_save_nothing(client, manager, engineer, project_a):
    client.force_login(manager)
    data = {
        "project": project_a.pk,
        "number": "SC-2026-01",
        "start_date": "2026-03-01",
        "end_date": "2026-02-01",
        "service_level": "7x24",
        "covered_causes": ["product_quality", "installation", "misuse"],
        "services_included": ["repair"],
    }
    refused = client.post(reverse("maintenance:contract_create"), data)
    assert refused.status_code == 200 and refused.context["form"].errors["end_date"]
    assert not ServiceContract.objects.exists()
    saved = client.post(reverse("maintenance:contract_create"), {**data, "end_date": "2027-02-28"})
    assert saved.status_code == 302
    contract = ServiceContract.objects.get()
    assert contract.covered_causes == ["product_quality", "installation", "misuse"]
    assert contract.services_included == ["repair"]
    # the same number again is refused on its field
    again = client.post(reverse("maintenance:contract_create"), {**data, "end_date": "2027-02-28"})
    assert again.context["form"].errors["number"] and ServiceContract.objects.count() == 1
    listed = client.get(reverse("maintenance:contracts"))
    assert "SC-2026-01" in listed.text and "Misuse or improper operation" in listed.text
    client.force_login(engineer)
    assert client.post(reverse("maintenance:contract_edit", args=[contract.pk]), data).status_code == 403


# --- the coverage panel on the ticket page --------------------------------------------------


def test_without_a_warranty_the_ticket_page_says_billable_and_why(client, engineer, ticket_a):
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert page.status_code == 200
    assert 'id="coverage"' in page.text
    assert "Billable: no warranty or service contract was in force on" in page.text
    assert 'id="coverage-form"' in page.text


def test_the_engineer_records_the_root_cause_and_the_ticket_says_why(
    client, engineer, customer_a, customer_b, warranty_a, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime.datetime(2025, 6, 2, 3, tzinfo=datetime.UTC), tick=False):
        ticket = ticket_create(actor=customer_a, project=warranty_a.project, title="Gateway dead", description="...")
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert "Not decided yet" in page.text and "Free: on" in page.text  # provisional, for a repair
    answer = client.post(reverse("maintenance:coverage_decide", args=[ticket.pk]), {"cause": "installation"})
    assert answer.status_code == 302 and answer.url == reverse("tickets:detail", args=[ticket.pk]) + "#coverage"
    page = client.get(answer.url)
    assert "Coverage decided. Free: on" in page.text
    assert "covers Installation" in page.text and 'id="coverage-decision"' in page.text
    # misuse is billable, and the page says the warranty does not cover it
    client.post(reverse("maintenance:coverage_decide", args=[ticket.pk]), {"cause": "misuse"})
    assert Coverage.objects.get(ticket=ticket).decision == "billable"
    # a cause that is not on the list changes nothing
    client.post(reverse("maintenance:coverage_decide", args=[ticket.pk]), {"cause": "gremlins"})
    assert Coverage.objects.get(ticket=ticket).cause == "misuse"

    # the customer sees the decision and its reason, no forms
    client.force_login(customer_a)
    page = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert "does not cover Misuse or improper operation" in page.text
    assert 'id="coverage-form"' not in page.text and 'id="billable-form"' not in page.text
    assert (
        client.post(reverse("maintenance:coverage_decide", args=[ticket.pk]), {"cause": "installation"}).status_code
        == 403
    )
    client.force_login(customer_b)
    assert (
        client.post(reverse("maintenance:coverage_decide", args=[ticket.pk]), {"cause": "installation"}).status_code
        == 404
    )
    assert Coverage.objects.get(ticket=ticket).cause == "misuse"


def test_the_customer_sees_no_panel_until_there_is_something_to_say(client, customer_a, ticket_a):
    client.force_login(customer_a)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert page.status_code == 200 and 'id="coverage"' not in page.text


def test_billable_work_is_added_and_removed_on_the_ticket_page(client, engineer, customer_a, customer_b, ticket_a):
    client.force_login(engineer)
    url = reverse("maintenance:billable_add", args=[ticket_a.pk])
    client.post(url, {"kind": "labour", "description": "Rewiring", "quantity": "2.5"})
    client.post(url, {"kind": "part", "description": "Power supply", "quantity": "1"})
    # bad input: nothing saved, the error comes back as a message
    refused = client.post(url, {"kind": "part", "description": "Fan", "quantity": "0"}, follow=True)
    assert "Ensure this value is greater than or equal to 0.01" in refused.text
    assert BillableItem.objects.count() == 2
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert "Labour (hours): Rewiring × 2.5" in page.text and "Part: Power supply × 1" in page.text

    client.force_login(customer_a)
    page = client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert "Rewiring" in page.text and 'id="billable-form"' not in page.text
    item = BillableItem.objects.get(description="Rewiring")
    remove = reverse("maintenance:billable_remove", args=[ticket_a.pk, item.pk])
    assert client.post(remove).status_code == 403
    client.force_login(customer_b)
    assert client.post(remove).status_code == 404
    assert client.post(url, {"kind": "part", "description": "Fan", "quantity": "1"}).status_code == 404
    client.force_login(engineer)
    assert client.post(remove).status_code == 302
    assert list(BillableItem.objects.values_list("description", flat=True)) == ["Power supply"]
    # an item of another ticket is not found through this one
    other = ticket_create(actor=customer_a, project=ticket_a.project, title="Other", description="...")
    kept = BillableItem.objects.get()
    assert client.post(reverse("maintenance:billable_remove", args=[other.pk, kept.pk])).status_code == 404


def test_the_panel_adds_a_few_queries_to_the_ticket_page(client, engineer, customer_a, ticket_a, warranty_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(engineer)
    client.get(reverse("tickets:detail", args=[ticket_a.pk]))  # warm the session and caches
    with CaptureQueriesContext(connection) as undecided:
        client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    panel = [query for query in undecided.captured_queries if "maintenance_" in query["sql"]]
    assert len(panel) <= 4  # the coverage, the billable items, the warranty and contract in force
    for n in range(10):
        services.billable_item_add(
            ticket_id=ticket_a.pk, actor=engineer, kind="part", description=f"Part {n}", quantity=1
        )
    services.coverage_decide(ticket_id=ticket_a.pk, actor=engineer, cause="installation")
    with CaptureQueriesContext(connection) as decided:
        client.get(reverse("tickets:detail", args=[ticket_a.pk]))
    assert len([query for query in decided.captured_queries if "maintenance_" in query["sql"]]) <= 2
    assert len(decided.captured_queries) <= len(undecided.captured_queries) + 2  # the ticket's new event


# --- schedules ------------------------------------------------------------------------------


def test_the_schedule_list_shows_the_next_four_dates(client, engineer, schedule_a):
    client.force_login(engineer)
    with time_machine.travel(datetime.datetime(2026, 1, 1, 4, tzinfo=datetime.UTC), tick=False):
        page = client.get(reverse("maintenance:schedules"))
    schedule = page.context["page"][0]
    assert schedule.next_dates == [D(2026, 1, 15), D(2026, 4, 15), D(2026, 7, 15), D(2026, 10, 15)]
    assert "FREQ=MONTHLY;INTERVAL=3" in page.text


def test_a_yearly_rule_still_shows_four_dates(client, manager, project_a, engineer, checklist):
    client.force_login(manager)
    answer = client.post(
        reverse("maintenance:schedule_create"),
        {
            "project": project_a.pk,
            "name": "Yearly audit",
            "rule": "FREQ=YEARLY",
            "first_date": "2026-03-01",
            "engineer": engineer.pk,
            "checklist": checklist.pk,
            "lead_days": 30,
            "is_active": "on",
        },
        follow=True,
    )
    schedule = InspectionSchedule.objects.get(name="Yearly audit")
    with time_machine.travel(datetime.datetime(2026, 1, 1, 4, tzinfo=datetime.UTC), tick=False):
        page = client.get(reverse("maintenance:schedule_edit", args=[schedule.pk]))
    assert "Next visits" in answer.text
    assert page.context["schedule"].next_dates == [D(2026, 3, 1), D(2027, 3, 1), D(2028, 3, 1), D(2029, 3, 1)]
    assert "FREQ=MONTHLY;INTERVAL=6" in page.text  # the examples


def test_a_bad_rule_is_a_form_error_and_saves_nothing(client, manager, project_a, engineer, checklist, customer_a):
    client.force_login(manager)
    data = {
        "project": project_a.pk,
        "name": "Broken",
        "rule": "EVERY=SOMETIMES",
        "first_date": "2026-03-01",
        "engineer": engineer.pk,
        "checklist": checklist.pk,
        "lead_days": 30,
    }
    answer = client.post(reverse("maintenance:schedule_create"), data)
    assert answer.status_code == 200 and answer.context["form"].errors["rule"]
    # a customer is no engineer
    answer = client.post(
        reverse("maintenance:schedule_create"), {**data, "rule": "FREQ=MONTHLY", "engineer": customer_a.pk}
    )
    assert answer.context["form"].errors["engineer"]
    assert not InspectionSchedule.objects.exists()


# --- inspections ----------------------------------------------------------------------------


def test_the_inspection_list_filters_and_flags_overdue_visits(client, engineer, project_a, manager):
    day = today()
    late = services.health_check_create(
        actor=engineer, project=project_a, engineer=engineer, due_date=day - datetime.timedelta(days=3), title="Late"
    )
    services.health_check_create(
        actor=engineer, project=project_a, engineer=manager, due_date=day + datetime.timedelta(days=5), title="Soon"
    )
    services.health_check_create(
        actor=engineer, project=project_a, engineer=engineer, due_date=day + datetime.timedelta(days=60), title="Later"
    )
    client.force_login(engineer)

    def titles(**params):
        return [
            inspection.title for inspection in client.get(reverse("maintenance:inspections"), params).context["page"]
        ]

    assert titles() == ["Late", "Soon", "Later"]
    assert titles(show="overdue") == ["Late"]
    assert titles(show="due") == ["Soon"]
    assert titles(show="completed") == []
    assert titles(engineer=manager.pk) == ["Soon"]
    page = client.get(reverse("maintenance:inspections"))
    assert page.text.count("badge text-bg-danger overdue") == 1
    assert "list-group-item-danger" in page.text
    # the feeds: the engineer's own and the manager's (who has an open visit)
    feeds = dict(page.context["feeds"])
    links = visit_feeds.engineer_feed_urls(viewer=engineer, engineers=[engineer, manager])
    assert feeds["Your visits"] == links[engineer.pk]
    assert feeds[f"Visits of {manager}"] == links[manager.pk]
    detail = client.get(reverse("maintenance:inspection_detail", args=[late.pk]))
    assert 'id="overdue"' in detail.text


def test_the_inspection_list_runs_a_fixed_number_of_queries(client, engineer, project_a, django_assert_max_num_queries):
    for n in range(15):
        services.health_check_create(
            actor=engineer, project=project_a, engineer=engineer, due_date=D(2027, 1, n + 1), title=f"Visit {n}"
        )
    client.force_login(engineer)
    client.get(reverse("maintenance:inspections"))  # the first view creates the viewer's calendar links
    with django_assert_max_num_queries(9):
        page = client.get(reverse("maintenance:inspections"))
    assert len(page.context["page"]) == 15


@pytest.mark.parametrize(
    "name", ["maintenance:contracts", "maintenance:schedules", "maintenance:return_visits", "maintenance:releases"]
)
def test_the_other_lists_run_a_fixed_number_of_queries(
    client, manager, engineer, checklist, org_a, name, django_assert_max_num_queries
):
    from tests.customers.factories import ProjectFactory

    for n in range(12):
        project = ProjectFactory(organisation=org_a)
        InstalledProduct.objects.create(project=project, name="Gateway", version="1.0")
        services.contract_save(project=project, number=f"SC-{n}", start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
        services.schedule_save(
            project=project,
            name=f"Schedule {n}",
            rule="FREQ=MONTHLY;INTERVAL=3",
            first_date=D(2026, 1, 1),
            engineer=engineer,
            checklist=checklist,
        )
        services.return_visit_save(actor=engineer, project=project, scheduled_for=D(2027, 1, n + 1), staff=engineer)
    product = Product.objects.create(name="Gateway")
    for n in range(12):
        release = Release.objects.create(product=product, version=f"2.{n}", released_on=D(2026, 1, n + 1))
        services.release_publish(release_id=release.pk, actor=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        page = client.get(reverse(name))
    assert len(page.context["page"]) == 12


def test_staff_plan_a_health_check_with_a_checklist(client, engineer, manager, project_a, checklist):
    client.force_login(engineer)
    page = client.get(reverse("maintenance:health_check_create") + f"?project={project_a.pk}")
    assert page.context["form"].initial["engineer"] == engineer.pk
    answer = client.post(
        reverse("maintenance:health_check_create"),
        {
            "project": project_a.pk,
            "kind": "health_check",
            "title": "Pre-audit health check",
            "due_date": "2026-12-10",
            "engineer": manager.pk,
            "checklist": checklist.pk,
        },
    )
    inspection = Inspection.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("maintenance:inspection_detail", args=[inspection.pk])
    assert (inspection.kind, inspection.engineer, inspection.answers.count()) == ("health_check", manager, 3)
    # bad input: no title, no project of the list
    answer = client.post(reverse("maintenance:health_check_create"), {"project": 999999, "kind": "health_check"})
    assert answer.status_code == 200 and {"project", "title", "due_date", "engineer"} <= set(
        answer.context["form"].errors
    )
    assert Inspection.objects.count() == 1


def test_the_engineer_completes_the_checklist_on_the_page(client, engineer, customer_a, schedule_a):
    inspection = visit(schedule_a)
    client.force_login(engineer)
    page = client.get(reverse("maintenance:inspection_detail", args=[inspection.pk]))
    ids = rows(inspection)
    assert f'name="result-{ids["Servers up"]}"' in page.text and 'id="complete-button"' in page.text
    assert "System status" in page.text and "Risk assessment" in page.text

    # saving part of it: the visit is in progress
    answer = client.post(
        reverse("maintenance:inspection_record", args=[inspection.pk]),
        {f"result-{ids['Servers up']}": "pass", "findings": "", "recommendations": ""},
    )
    assert answer.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == "in_progress"
    # completing without every answer is refused, the answers given are kept
    refused = client.post(
        reverse("maintenance:inspection_complete", args=[inspection.pk]),
        checklist_post(inspection, **{f"result-{ids['Backups restorable']}": ""}),
        follow=True,
    )
    assert "Answer every pass/fail check first: Backups restorable" in refused.text
    inspection.refresh_from_db()
    assert inspection.status == "in_progress" and inspection.findings == "Backups fail on Sundays"
    # a bad answer is a form error and changes nothing
    bad = client.post(
        reverse("maintenance:inspection_record", args=[inspection.pk]),
        checklist_post(inspection, findings="Changed", **{f"result-{ids['Servers up']}": "maybe"}),
    )
    assert bad.status_code == 400 and "Select a valid choice" in bad.text
    inspection.refresh_from_db()
    assert inspection.findings == "Backups fail on Sundays"
    # all answers: completed, the customer is told
    done = client.post(
        reverse("maintenance:inspection_complete", args=[inspection.pk]), checklist_post(inspection), follow=True
    )
    assert "The visit is completed" in done.text
    inspection.refresh_from_db()
    assert inspection.status == "completed"
    answers = {row.label: (row.result, row.value, row.note) for row in inspection.answers.all()}
    assert answers == {
        "Servers up": ("pass", "", ""),
        "CPU load": ("", "42", "Peaks at 80 at month end"),
        "Backups restorable": ("fail", "", "Restore test failed"),
    }
    # read-only now, with the report
    page = client.get(reverse("maintenance:inspection_detail", args=[inspection.pk]))
    assert 'id="inspection-form"' not in page.text and 'id="pdf-link"' in page.text
    assert "Restore test failed" in page.text
    again = client.post(reverse("maintenance:inspection_record", args=[inspection.pk]), checklist_post(inspection))
    assert again.status_code == 400 and "can no longer change" in again.text


def test_photos_go_up_with_the_checklist_and_a_bad_one_saves_nothing(client, engineer, schedule_a, settings):
    inspection = visit(schedule_a)
    client.force_login(engineer)
    url = reverse("maintenance:photo_add", args=[inspection.pk])
    page = client.get(reverse("maintenance:inspection_detail", args=[inspection.pk]))
    assert 'enctype="multipart/form-data" id="inspection-form"' in page.text and 'id="upload-button"' in page.text
    # not an image, no photo at all, too large: form errors, and neither the answers nor a photo are saved
    not_image = SimpleUploadedFile("rack.png", b"not a picture", "image/png")
    refused = client.post(url, {**checklist_post(inspection), "photo": not_image})
    assert refused.status_code == 400 and "Upload a valid image" in refused.context["record_form"].errors["photo"][0]
    missing = client.post(url, checklist_post(inspection))
    assert missing.status_code == 400 and "Choose a photo to upload." in missing.text
    settings.ATTACHMENT_MAX_BYTES = 100
    too_large = client.post(url, {**checklist_post(inspection), "photo": png()})
    assert too_large.status_code == 400 and "The photo is too large" in too_large.text
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    inspection.refresh_from_db()
    assert (inspection.status, inspection.findings) == ("planned", "") and not InspectionPhoto.objects.exists()
    # a good one: the answers are saved with it
    answer = client.post(url, {**checklist_post(inspection), "photo": png(), "caption": "Rack B4 after cleaning"})
    assert answer.status_code == 302 and answer.url.endswith("#photos")
    inspection.refresh_from_db()
    assert (inspection.status, inspection.findings) == ("in_progress", "Backups fail on Sundays")
    photo = InspectionPhoto.objects.get()
    page = client.get(reverse("maintenance:inspection_detail", args=[inspection.pk]))
    photo_url = reverse("maintenance:photo", args=[inspection.pk, photo.pk])
    assert photo_url in page.text and "Rack B4 after cleaning" in page.text
    served = client.get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    # "Save" with a photo chosen keeps the photo too
    client.post(
        reverse("maintenance:inspection_record", args=[inspection.pk]), {**checklist_post(inspection), "photo": png()}
    )
    assert InspectionPhoto.objects.count() == 2
    # alone, without the checklist (``image``)
    assert client.post(url, {"image": png(name="third.png")}).status_code == 302
    bad_alone = client.post(url, {"image": SimpleUploadedFile("x.png", b"nope", "image/png")})
    assert bad_alone.status_code == 400 and "Upload a valid image" in bad_alone.text
    assert InspectionPhoto.objects.count() == 3


def test_the_customer_sees_a_visit_once_completed_with_its_report_and_photos(client, customer_a, engineer, schedule_a):
    inspection = visit(schedule_a)
    services.photo_add(inspection_id=inspection.pk, actor=engineer, image=png(), caption="Rack")
    photo = InspectionPhoto.objects.get()
    client.force_login(customer_a)
    page = client.get(reverse("maintenance:inspection_detail", args=[inspection.pk]))
    assert page.status_code == 200 and 'id="report-pending"' in page.text
    assert 'id="inspection-form"' not in page.text and 'id="photo-form"' not in page.text
    assert client.get(reverse("maintenance:inspection_pdf", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("maintenance:photo", args=[inspection.pk, photo.pk])).status_code == 404
    assert client.post(reverse("maintenance:inspection_record", args=[inspection.pk]), {}).status_code == 403
    assert client.post(reverse("maintenance:photo_add", args=[inspection.pk]), {"image": png()}).status_code == 403

    ids = rows(inspection)
    services.inspection_record(
        inspection_id=inspection.pk,
        actor=engineer,
        answers={ids["Servers up"]: {"result": "pass"}, ids["Backups restorable"]: {"result": "pass"}},
        findings="All well",
    )
    services.inspection_complete(inspection_id=inspection.pk, actor=engineer)
    page = client.get(reverse("maintenance:inspection_detail", args=[inspection.pk]))
    assert "All well" in page.text and 'id="pdf-link"' in page.text
    pdf = client.get(reverse("maintenance:inspection_pdf", args=[inspection.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert client.get(reverse("maintenance:photo", args=[inspection.pk, photo.pk])).status_code == 200


def test_a_manager_cancels_a_visit_with_a_reason(client, engineer, manager, schedule_a):
    inspection = visit(schedule_a)
    url = reverse("maintenance:inspection_cancel", args=[inspection.pk])
    client.force_login(engineer)
    assert client.post(url, {"reason": "Site closed"}).status_code == 403
    client.force_login(manager)
    client.post(url, {"reason": ""})
    inspection.refresh_from_db()
    assert inspection.status == "planned"
    client.post(url, {"reason": "Site closed for the holidays"})
    inspection.refresh_from_db()
    assert inspection.status == "cancelled" and "Site closed for the holidays" in inspection.findings


def test_the_calendar_feeds_need_no_login_but_a_good_link(client, engineer, manager, customer_a, project_a, project_b):
    services.health_check_create(
        actor=engineer, project=project_a, engineer=engineer, due_date=today(), title="Zephyr health check"
    )
    services.health_check_create(actor=manager, project=project_b, engineer=manager, due_date=today(), title="Other")

    def key(viewer, kind: str, pk: int) -> str:
        if kind == "engineer":
            return feed_key(visit_feeds.engineer_feed_urls(viewer=viewer, engineers=[User.objects.get(pk=pk)])[pk])
        return feed_key(visit_feeds.project_feed_urls(viewer=viewer, projects=[Project.objects.get(pk=pk)])[pk])

    def summaries(kind: str, pk: int, viewer=engineer) -> list[str]:
        answer = client.get(reverse("maintenance:calendar_feed", args=[key(viewer, kind, pk)]))
        assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
        return [str(event["summary"]) for event in icalendar.Calendar.from_ical(answer.content).walk("VEVENT")]

    assert summaries("engineer", engineer.pk) == ["Health check: Zephyr health check (Project A)"]
    assert summaries("project", project_a.pk, viewer=customer_a) == ["Health check: Zephyr health check (Project A)"]
    assert summaries("engineer", manager.pk) == ["Health check: Other (Project B)"]
    # old signed links, a customer's link to another organisation's project, and nonsense
    for token in ("engineer:1:forged", key(customer_a, "project", project_b.pk), "x" * 40):
        assert client.get(reverse("maintenance:calendar_feed", args=[token])).status_code == 404


def test_the_project_page_links_to_its_warranty_and_visits(client, customer_a, warranty_a, project_a):
    client.force_login(customer_a)
    page = client.get(reverse("customers:project_detail", args=[project_a.pk]))
    assert reverse("maintenance:warranties") + f"?project={project_a.pk}" in page.text
    assert reverse("maintenance:inspections") + f"?project={project_a.pk}" in page.text
    visits = client.get(reverse("maintenance:inspections"), {"project": project_a.pk})
    assert visit_feeds.project_feed_urls(viewer=customer_a, projects=[project_a])[project_a.pk] in visits.text


# --- return visits --------------------------------------------------------------------------


def test_a_return_visit_is_planned_and_recorded(client, engineer, project_a, customer_a):
    ticket = ticket_create(actor=customer_a, project=project_a, title="Slow reports", description="...")
    client.force_login(engineer)
    form = client.get(reverse("maintenance:return_visit_create") + f"?ticket={ticket.pk}")
    assert form.context["form"].initial["ticket"] == ticket.reference
    answer = client.post(
        reverse("maintenance:return_visit_create"),
        {
            "project": project_a.pk,
            "ticket": ticket.reference,
            "scheduled_for": "2026-12-15",
            "staff": engineer.pk,
            "contact_name": "Alice Wu",
        },
    )
    assert answer.status_code == 302
    visit_ = ReturnVisit.objects.get()
    assert (visit_.ticket, visit_.contact_name) == (ticket, "Alice Wu")
    # an unknown ticket reference is a form error
    refused = client.post(
        reverse("maintenance:return_visit_create"),
        {"project": project_a.pk, "ticket": "TKT-0000-9999", "scheduled_for": "2026-12-15", "staff": engineer.pk},
    )
    assert refused.context["form"].errors["ticket"] and ReturnVisit.objects.count() == 1

    url = reverse("maintenance:return_visit_done", args=[visit_.pk])
    bad = client.post(url, {"satisfaction": "6", "notes": "Happy"})
    assert bad.status_code == 200 and bad.context["form"].errors["satisfaction"]
    no_notes = client.post(url, {"satisfaction": "4", "notes": ""})
    assert no_notes.context["form"].errors["notes"]
    visit_.refresh_from_db()
    assert visit_.status == "planned"
    client.post(url, {"satisfaction": "4", "notes": "Happy with the response", "suggestions": "Call earlier"})
    visit_.refresh_from_db()
    assert (visit_.status, visit_.satisfaction, visit_.suggestions) == ("done", 4, "Call earlier")
    listed = client.get(reverse("maintenance:return_visits"), {"show": "done"})
    assert "4/5" in listed.text
    page = client.get(url)
    assert "Happy with the response" in page.text and 'id="return-visit-done-form"' not in page.text


# --- releases -------------------------------------------------------------------------------


@pytest.fixture
def release(project_a, project_b, warranty_a) -> Release:
    InstalledProduct.objects.create(project=project_a, name="Gateway", version="1.0")
    InstalledProduct.objects.create(project=project_b, name="Gateway", version="1.1")
    product = Product.objects.create(name="Gateway")
    return Release.objects.create(product=product, version="2.0", released_on=today(), kind=Release.Kind.MAJOR)


def test_a_manager_publishes_a_release_and_tracks_the_upgrade(
    client, manager, engineer, customer_a, customer_b, release
):
    client.force_login(engineer)
    assert client.post(reverse("maintenance:release_publish", args=[release.pk])).status_code == 403
    client.force_login(manager)
    answer = client.post(reverse("maintenance:release_publish", args=[release.pk]), follow=True)
    assert "2 new upgrade notices sent" in answer.text
    notice_a = UpgradeNotice.objects.get(project__name="Project A")

    client.force_login(customer_a)
    page = client.get(reverse("maintenance:release_detail", args=[release.pk]))
    assert "Project A" in page.text and "Project B" not in page.text
    assert "Billable" in page.text and notice_a.reason in page.text
    assert 'class="row g-2 align-items-end mt-1 notice-form"' not in page.text
    assert "Gateway" in client.get(reverse("maintenance:overview")).text
    update = reverse("maintenance:notice_update", args=[notice_a.pk])
    assert client.post(update, {"status": "done"}).status_code == 403
    client.force_login(customer_b)
    assert client.post(update, {"status": "done"}).status_code == 404
    assert "Project A" not in client.get(reverse("maintenance:release_detail", args=[release.pk])).text

    client.force_login(engineer)
    refused = client.post(update, {"status": "planned"}, follow=True)
    assert "Give the planned date." in refused.text
    notice_a.refresh_from_db()
    assert notice_a.status == "notified"
    client.post(update, {"status": "planned", "planned_for": "2027-01-10", "notes": "Weekend window"})
    assert client.get(reverse("maintenance:releases"), {"open": "1"}).context["page"][0] == release
    client.post(update, {"status": "done"})
    notice_a.refresh_from_db()
    assert (notice_a.status, notice_a.done_by) == ("done", engineer)
    assert InstalledProduct.objects.get(project__name="Project A").version == "2.0"


def test_a_release_that_did_not_reach_the_customer_is_not_found(client, customer_a, release):
    client.force_login(customer_a)
    assert client.get(reverse("maintenance:release_detail", args=[release.pk])).status_code == 404
    assert list(client.get(reverse("maintenance:releases")).context["page"]) == []


# --- the satisfaction survey ----------------------------------------------------------------


def invited(customer, project, engineer) -> tuple[Ticket, str]:
    ticket = ticket_create(actor=customer, project=project, title="Printer jams", description="Every morning")
    ticket_update(ticket_id=ticket.pk, actor=engineer, status=Ticket.Status.RESOLVED)
    assert services.surveys_send() == 1
    return ticket, services.survey_token(ticket.pk)


def test_the_survey_is_answered_once_without_signing_in(client, customer_a, project_a, engineer):
    ticket, token = invited(customer_a, project_a, engineer)
    url = reverse("maintenance:survey", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert ticket.reference in page.text and "Printer jams" in page.text and 'id="survey-form"' in page.text
    # bad input: the form again, nothing saved
    refused = client.post(url, {"score": "9"})
    assert refused.status_code == 200 and refused.context["form"].errors["score"]
    assert Ticket.objects.get(pk=ticket.pk).rating is None
    thanks = client.post(url, {"score": "4", "comment": "Quick and friendly"})
    assert thanks.status_code == 200 and "Thank you for your answer" in thanks.text
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (4, "Quick and friendly")
    # the second time: already answered, the rating stays
    again = client.get(url)
    assert again.status_code == 200 and "already been answered" in again.text and 'id="survey-form"' not in again.text
    client.post(url, {"score": "1"})
    assert Ticket.objects.get(pk=ticket.pk).rating == 4


def test_an_expired_or_forged_survey_link_says_so(client, customer_a, project_a, engineer):
    ticket, token = invited(customer_a, project_a, engineer)
    later = timezone.now() + datetime.timedelta(days=settings.SURVEY_LINK_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        expired = client.get(reverse("maintenance:survey", args=[token]))
        posted = client.post(reverse("maintenance:survey", args=[token]), {"score": "5"})
    assert expired.status_code == 400 and "This survey link has expired." in expired.text
    assert posted.status_code == 400
    for forged in (token[:-3] + "abc", "not-a-token", services.survey_token(999999)):
        answer = client.get(reverse("maintenance:survey", args=[forged]))
        assert answer.status_code == 400 and "This survey link is not valid." in answer.text
    assert Ticket.objects.get(pk=ticket.pk).rating is None


def test_a_reopened_ticket_cannot_be_rated_through_its_link(client, customer_a, project_a, engineer):
    ticket, token = invited(customer_a, project_a, engineer)
    ticket_update(ticket_id=ticket.pk, actor=engineer, status=Ticket.Status.IN_PROGRESS)
    answer = client.post(reverse("maintenance:survey", args=[token]), {"score": "5"})
    assert answer.status_code == 400 and "rated once it is resolved" in answer.text
    assert Ticket.objects.get(pk=ticket.pk).rating is None
