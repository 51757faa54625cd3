"""The permission matrix's rows for imports (issue 23): administrators only, everyone else 403
(anonymous 401). The admin pages of the imports are the admin site's (``admin:`` is outside
the matrix); tests/imports/test_jobs.py checks that a manager with admin access gets 403."""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from tests.security.matrix_rows import Row, signed_in

ADMIN_ONLY = signed_in(403, 401, admin=200)

ROWS: list[Row] = [
    Row("import-job-list", "get", ADMIN_ONLY, api=True),
    # JSON carries no file: the administrator's request is refused as bad input, nobody else's is heard
    Row("import-job-list", "post", signed_in(403, 401, admin=400), data={"kind": "organisations"}, api=True),
    Row("import-job-detail", "get", ADMIN_ONLY, args=["import_job"], api=True),
    Row("import-job-start", "post", signed_in(403, 401, admin=202), args=["import_job"], data={}, api=True),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """A previewed import of one organisation (its name holds A's marker)."""
    upload = SimpleUploadedFile("zephyr-orgs.csv", b"code,name\nzephyr-new,Zephyr-Org-A imported\n")
    job = services.import_job_create(actor=base["users"]["admin"], kind="organisations", upload=upload)
    return {"import_job": job}
