"""Imports in a real browser: the administrator downloads a template, uploads a file of
organisations, reads every row's verdict, imports it and reads the report with its progress
bar at 100 %. A file with a bad row shows the error with its line first and cannot be imported."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from customers.models import Organisation
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = b"code,name\nacme,Acme Power\nzenith,Zenith Water\n"
BAD = b"code,name\nacme,Acme Power\n,No code\n"


def test_an_administrator_previews_and_imports_a_file(page, log_in, password):
    UserFactory(username="boss", role=User.Role.ADMIN, is_staff=True)
    log_in("boss", password)

    page.goto("/admin/imports/importjob/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Organisations template (CSV)").click()
    assert download.value.suggested_filename == "organisations-template.csv"

    # a file with an error: the error first, with its line, and no Import button
    page.get_by_role("link", name="Upload a file to import").click()
    page.get_by_label("Kind").select_option("organisations")
    page.get_by_label("File").set_input_files({"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD})
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r"/admin/imports/importjob/\d+/change/$"))
    first = page.locator("#import-verdicts tbody tr").first
    expect(first).to_contain_text("3")
    expect(first).to_contain_text("code is required")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)

    # the corrected file: preview, then import
    page.goto("/admin/imports/importjob/upload/")
    page.get_by_label("Kind").select_option("organisations")
    page.get_by_label("File").set_input_files({"name": "good.csv", "mimeType": "text/csv", "buffer": GOOD})
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#import-verdicts")).to_contain_text("zenith")
    assert not Organisation.objects.exists()
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-status")).to_have_text("Imported")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert set(Organisation.objects.values_list("code", flat=True)) == {"acme", "zenith"}
