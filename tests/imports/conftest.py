"""Import fixtures: a CSV builder and the importing administrator."""

import csv
import io

import pytest

from accounts.models import User
from imports.services import import_file
from tests.accounts.factories import UserFactory
from tests.tickets.conftest import sla_setup  # noqa: F401 (a fixture)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def importer(db):
    return UserFactory(username="importer", role=User.Role.ADMIN, is_staff=True)


@pytest.fixture
def run(importer):
    """``run(kind, rows, dry_run=False, encoding="utf-8")``: the import's ``Result``."""

    def _run(kind, rows, *, dry_run=False, encoding="utf-8", content=None, name="file.csv"):
        data = content if content is not None else csv_bytes(rows, encoding)
        return import_file(actor=importer, kind=kind, content=data, name=name, dry_run=dry_run)

    return _run
