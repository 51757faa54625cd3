"""Each kind: new, update, unchanged; twice is nothing; errors by line, nothing half-saved."""

import datetime

import pytest
import time_machine

from accounts.models import User
from customers.models import InstalledProduct, Organisation, Project
from maintenance.models import Warranty, WarrantyTerms
from tickets.models import SLAClock, Ticket, TicketEvent
from tickets.presenters import event_line

pytestmark = pytest.mark.django_db

ORGS = [["code", "name", "phone"], ["acme", "Acme Power", "021-1"], ["zenith", "Zenith Water", ""]]


def verdicts(result):
    return [(v.line, v.verdict) for v in result.verdicts]


def test_organisations_new_update_unchanged(run):
    first = run("organisations", ORGS)
    assert first.saved and first.counts["new"] == 2
    assert Organisation.objects.get(code="acme").phone == "021-1"
    assert Organisation.history.filter(code="acme").count() == 1
    again = run("organisations", ORGS)
    assert again.counts == {"error": 0, "new": 0, "update": 0, "unchanged": 2}
    changed = run("organisations", [ORGS[0], ["acme", "Acme Power", "021-2"], ORGS[2]])
    assert verdicts(changed) == [(2, "update"), (3, "unchanged")]
    assert changed.verdicts[0].changes == ["phone"]
    assert Organisation.objects.get(code="acme").phone == "021-2"
    assert Organisation.history.filter(code="acme").count() == 2


def test_a_column_left_out_is_left_alone(run):
    run("organisations", ORGS)
    result = run("organisations", [["code", "name"], ["acme", "Acme Power"]])
    assert result.counts["unchanged"] == 1
    assert Organisation.objects.get(code="acme").phone == "021-1"


def test_a_bad_row_saves_nothing_and_names_its_line(run):
    rows = [*ORGS, ["", "No code", ""], ["acme", "Acme again", ""], ["bad code!", "Bad", ""]]
    result = run("organisations", rows)
    assert not result.saved
    errors = {v.line: v.errors for v in result.verdicts if v.verdict == "error"}
    assert set(errors) == {4, 5, 6}
    assert "code is required" in errors[4][0]
    assert "line 2" in errors[5][0]
    assert errors[6][0].startswith("code:")
    assert not Organisation.objects.exists()


def test_dry_run_saves_nothing(run):
    result = run("organisations", ORGS, dry_run=True)
    assert result.counts["new"] == 2 and not result.saved
    assert not Organisation.objects.exists()


def test_missing_required_column_is_an_error_on_line_1(run):
    result = run("organisations", [["code"], ["acme"]])
    assert verdicts(result) == [(1, "error")]
    assert "name" in result.verdicts[0].errors[0]


def test_gb18030_csv(run):
    rows = [["code", "name"], ["huadong", "华东电力有限公司"]]
    result = run("organisations", rows, encoding="gb18030")
    assert result.saved
    assert Organisation.objects.get(code="huadong").name == "华东电力有限公司"


def test_utf8_with_bom(run):
    rows = [["code", "name"], ["huadong", "华东电力"]]
    result = run("organisations", rows, encoding="utf-8-sig")
    assert result.saved, result.verdicts
    assert Organisation.objects.get(code="huadong").name == "华东电力"


def test_xlsx(run):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code*", "name*"])
    sheet.append(["huadong", "华东电力"])
    sheet.append([None, None])
    out = io.BytesIO()
    workbook.save(out)
    result = run("organisations", None, content=out.getvalue(), name="orgs.xlsx")
    assert result.saved and result.counts["new"] == 1


def test_projects(run, org_a):
    rows = [
        ["code", "organisation", "name", "final_acceptance_date"],
        ["p1", "org-a", "SCADA", "2025-06-30"],
        ["p2", "nope", "Other", ""],
    ]
    result = run("projects", rows)
    assert verdicts(result) == [(2, "new"), (3, "error")]
    assert "nope" in result.verdicts[1].errors[0]
    result = run("projects", rows[:2])
    assert result.saved
    assert Project.objects.get(code="p1").final_acceptance_date == datetime.date(2025, 6, 30)
    assert run("projects", rows[:2]).counts["unchanged"] == 1
    bad_date = run("projects", [rows[0], ["p1", "org-a", "SCADA", "30/06/2025"]])
    assert "not a date" in bad_date.verdicts[0].errors[0]


def test_project_does_not_move(run, project_a, org_b):
    result = run("projects", [["code", "organisation", "name"], [project_a.code, "org-b", project_a.name]])
    assert "does not move" in result.verdicts[0].errors[0]


def test_contacts_by_username_and_email(run, org_a, customer_a):
    rows = [
        ["username", "email", "organisation", "first_name", "language"],
        ["li.wei", "li@a.example", "org-a", "Wei", "zh-hans"],
        ["", "wang@a.example", "org-a", "Fang", ""],
        ["cust-a", "", "org-a", "Anna", ""],
    ]
    result = run("contacts", rows)
    assert verdicts(result) == [(2, "new"), (3, "new"), (4, "update")], result.verdicts
    wang = User.objects.get(username="wang@a.example")
    assert wang.is_customer and wang.organisation == org_a and not wang.has_usable_password()
    assert User.objects.get(username="li.wei").language == "zh-hans"
    again = run("contacts", rows)
    assert again.counts["unchanged"] == 3


def test_contacts_refuse_staff_and_other_organisations(run, org_a, org_b, customer_b, engineer):
    rows = [["username", "organisation"], ["cust-b", "org-a"], ["eng", "org-a"]]
    result = run("contacts", rows)
    assert "another organisation" in result.verdicts[0].errors[0]
    assert "staff" in result.verdicts[1].errors[0]


def test_assets(run, project_a):
    rows = [
        ["project", "serial_number", "name", "installed_on", "accepted_on"],
        ["prj-a", "SN-1", "Gateway", "2025-01-01", "2025-02-01"],
        ["prj-a", "sn-1", "Gateway", "", ""],
    ]
    result = run("assets", rows)
    assert verdicts(result) == [(2, "new"), (3, "error")]
    assert run("assets", rows[:2]).saved
    assert run("assets", rows[:2]).counts["unchanged"] == 1
    update = run("assets", [rows[0], ["prj-a", "sn-1", "Gateway 2", "2025-01-01", "2025-02-01"]])
    assert update.verdicts[0].changes == ["name"]
    asset = InstalledProduct.objects.get()
    assert (asset.name, asset.serial_number) == ("Gateway 2", "SN-1")
    backwards = run("assets", [rows[0], ["prj-a", "SN-1", "Gateway", "2025-03-01", "2025-02-01"]])
    assert "accepted before" in backwards.verdicts[0].errors[0]


def test_warranties(run, project_a):
    terms = WarrantyTerms.objects.create(name="Two years", duration_months=24)
    InstalledProduct.objects.create(project=project_a, name="Gateway", serial_number="SN-1")
    rows = [
        ["project", "asset_serial", "terms", "start_date"],
        ["prj-a", "", "Two years", "2025-01-01"],
        ["prj-a", "SN-1", "Two years", "2025-01-01"],
        ["prj-a", "SN-9", "Two years", "2025-01-01"],
    ]
    result = run("warranties", rows)
    assert verdicts(result) == [(2, "new"), (3, "new"), (4, "error")]
    assert run("warranties", rows[:3]).saved
    assert Warranty.objects.filter(end_date=datetime.date(2027, 1, 1)).count() == 2
    assert run("warranties", rows[:3]).counts["unchanged"] == 2
    WarrantyTerms.objects.create(name="Three years", duration_months=36)
    update = run("warranties", [rows[0], ["prj-a", "", "Three years", "2025-01-01"]])
    assert update.counts["update"] == 1
    assert Warranty.objects.get(asset=None, terms__name="Three years").end_date == datetime.date(2028, 1, 1)
    assert terms.warranties.count() == 1


@time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_tickets_new_keep_reference_and_start_clocks(run, project_a, customer_a, engineer, sla_setup):
    rows = [
        ["reference", "project", "title", "description", "received_at", "reporter", "priority", "assignee", "status"],
        ["OLD-1", "prj-a", "Gateway down", "No answer", "2026-02-20 09:00", "cust-a", "urgent", "eng", "in_progress"],
        ["", "prj-a", "Slow screens", "Since Monday", "2026-02-27 15:00", "", "", "", ""],
    ]
    result = run("tickets", rows)
    assert result.saved, result.verdicts
    old = Ticket.objects.get(reference="OLD-1")
    assert (old.reporter, old.assignee, old.status, old.priority) == (customer_a, engineer, "in_progress", "urgent")
    assert old.received_at == datetime.datetime(2026, 2, 20, 1, 0, tzinfo=datetime.UTC)  # Shanghai
    new = Ticket.objects.exclude(reference="OLD-1").get()
    assert new.reference.startswith("SD-2026-")
    assert result.verdicts[1].key == new.reference
    clocks = SLAClock.objects.filter(ticket=old)
    assert {c.metric for c in clocks} == {"first_response", "resolution"}
    assert all(c.started_at == datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC) for c in clocks)
    assert old.next_due_at == min(c.due_at for c in clocks)
    imported = TicketEvent.objects.get(ticket=old, kind="imported")
    assert "from line 2 of the file" in event_line(imported)
    again = run("tickets", rows)
    assert again.counts["unchanged"] == 2
    assert Ticket.objects.count() == 2
    update = run("tickets", [rows[0], [*rows[1][:3], "No answer at all", *rows[1][4:]]])
    assert update.counts["update"] == 1
    old.refresh_from_db()
    assert old.description == "No answer at all"


@time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_tickets_refusals(run, project_a, customer_b):
    header = ["reference", "project", "title", "description", "received_at", "reporter", "status"]
    rows = [
        header,
        ["SD-2020-000001", "prj-a", "T", "D", "2026-02-20 09:00", "", ""],
        ["X-1", "prj-a", "T", "D", "2027-02-20 09:00", "", ""],
        ["X-2", "prj-a", "T", "D", "2026-02-20 09:00", "cust-b", ""],
        ["X-3", "prj-a", "T", "D", "2026-02-20 09:00", "", "resolved"],
        ["X-4", "prj-a", "T", "D", "yesterday", "", ""],
    ]
    result = run("tickets", rows)
    assert [v.verdict for v in result.verdicts] == ["error"] * 5
    assert "SD-" in result.verdicts[0].errors[0]
    assert "future" in result.verdicts[1].errors[0]
    assert "not a contact" in result.verdicts[2].errors[0]
    assert "open tickets" in result.verdicts[3].errors[0]
    assert "not a date" in result.verdicts[4].errors[0]
    assert not Ticket.objects.exists()
