"""An import the admin previewed and has not started (``seed_demo``): the organisations
template's example row, through ``imports.services.import_job_create``, so the admin's import
list and ``/api/v1/imports/`` hold a row to open, as every list of the demo desk does.

Idempotent: nothing is made when any import job exists.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from imports.blanks import template_csv
from imports.models import ImportJob
from imports.services import import_job_create


def seed_imports() -> int:
    if ImportJob.objects.exists():
        return 0
    admin = User.objects.get(username="admin")
    upload = SimpleUploadedFile("organisations.csv", template_csv("organisations"), content_type="text/csv")
    import_job_create(actor=admin, kind="organisations", upload=upload)
    return 1
