"""``manage.py import_data``: the summary, the exit code, dry run, templates; the query counts
that do not grow with the rows; the templates' example rows on the demo desk."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from customers.models import InstalledProduct, Organisation
from imports.kinds import KINDS
from maintenance.models import Warranty, WarrantyTerms
from tests.imports.conftest import csv_bytes
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ORGS = [["code", "name"], ["acme", "Acme Power"], ["zenith", "Zenith Water"]]


@pytest.fixture
def orgs_file(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(ORGS))
    return path


def test_command_imports_and_summarises(orgs_file, importer, capsys):
    call_command("import_data", "organisations", str(orgs_file))
    out = capsys.readouterr().out
    assert "2 new, 0 update, 0 unchanged, 0 errors" in out
    assert Organisation.objects.count() == 2
    call_command("import_data", "organisations", str(orgs_file))
    assert "0 new, 0 update, 2 unchanged, 0 errors" in capsys.readouterr().out


def test_command_dry_run(orgs_file, importer, capsys):
    call_command("import_data", "organisations", str(orgs_file), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not Organisation.objects.exists()


def test_command_fails_with_the_line_of_a_bad_row(tmp_path, importer, capsys):
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes([*ORGS, ["acme", "Acme twice"]]))
    with pytest.raises(CommandError, match="1 errors"):
        call_command("import_data", "organisations", str(path))
    assert "line 4: error" in capsys.readouterr().out
    assert not Organisation.objects.exists()


def test_command_needs_an_administrator(orgs_file):
    with pytest.raises(CommandError, match="administrator"):
        call_command("import_data", "organisations", str(orgs_file))


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_command_writes_templates_whose_examples_import(tmp_path, importer, suffix, capsys):
    WarrantyTerms.objects.create(name="Standard 2-year warranty", duration_months=24)
    for kind in KINDS:  # in order: each example refers to the ones before
        out = tmp_path / f"{kind}.{suffix}"
        call_command("import_data", kind, "--template", str(out))
        assert "required" in capsys.readouterr().out
        call_command("import_data", kind, str(out))
        assert "1 new" in capsys.readouterr().out, kind


def _assets(rows: int) -> bytes:
    return csv_bytes(
        [["project", "serial_number", "name", "installed_on"]]
        + [["prj-a", f"SN-{n:05d}", "Gateway", "2025-01-01"] for n in range(rows)]
    )


def _contacts(rows: int) -> bytes:
    return csv_bytes(
        [["username", "email", "organisation", "first_name"]]
        + [[f"user{n}", f"user{n}@a.example", "org-a", "Wei"] for n in range(rows)]
    )


@pytest.mark.parametrize(("kind", "make"), [("assets", _assets), ("contacts", _contacts)])
def test_queries_do_not_grow_with_the_rows(run, project_a, kind, make):
    counts = []
    for rows in (10, 100):
        InstalledProduct.objects.all().delete()
        User.objects.filter(username__startswith="user").delete()
        with CaptureQueriesContext(connection) as queries:
            result = run(kind, None, content=make(rows))
        assert result.saved and result.counts["new"] == rows
        counts.append(len(queries))
    if connection.vendor == "postgresql":
        assert counts[0] == counts[1], counts
    else:  # SQLite splits a batch by its limit of variables per statement: a few more, not one per row
        assert counts[1] - counts[0] < 10, counts
    with CaptureQueriesContext(connection) as queries:
        assert run(kind, None, content=make(100)).counts["unchanged"] == 100
    assert len(queries) <= counts[0]


@time_machine.travel(datetime.datetime(2026, 6, 1, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_every_templates_example_imports_on_the_demo_desk(tmp_path, capsys):
    call_command("seed_demo", verbosity=0)
    for kind in KINDS:  # in order: each example refers to the ones before
        out = tmp_path / f"{kind}.xlsx"
        call_command("import_data", kind, "--template", str(out))
        call_command("import_data", kind, str(out))
        assert "1 new" in capsys.readouterr().out.splitlines()[-1], kind
    assert Warranty.objects.filter(project__code="acme-scada", asset=None).exists()
    assert Ticket.objects.filter(reference="OLD-1042", project__code="acme-scada").exists()
