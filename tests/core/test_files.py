"""One response for every stored-file download: 404 when the file is gone, never sniffed,
images and PDFs inline in a sandbox, anything else downloaded."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import Http404

from core.files import DOWNLOAD_POLICY, INLINE_POLICY, stored_file_response
from tickets.models import Attachment


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def make(name: str, content: bytes = b"data") -> FieldFile:
        saved = default_storage.save(name, ContentFile(content))
        return FieldFile(None, Attachment._meta.get_field("file"), saved)

    return make


def test_a_pdf_opens_inline_in_a_sandbox(stored):
    response = stored_file_response(stored("report.pdf", b"%PDF-1.7"))
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Security-Policy"] == INLINE_POLICY
    assert b"".join(response.streaming_content) == b"%PDF-1.7"


def test_anything_else_downloads_under_the_name_given(stored):
    response = stored_file_response(stored("x.html", b"<script>"), filename="log.txt", content_type="text/plain")
    assert (
        response["Content-Disposition"].startswith("attachment")
        and 'filename="log.txt"' in response["Content-Disposition"]
    )
    assert response["Content-Security-Policy"] == DOWNLOAD_POLICY


def test_a_missing_file_is_a_404(stored):
    field = stored("gone.png")
    default_storage.delete(field.name)
    with pytest.raises(Http404):
        stored_file_response(field)
    with pytest.raises(Http404):
        stored_file_response(FieldFile(None, Attachment._meta.get_field("file"), ""))
