"""Stored files served to those a view has already let see them: one response for every
download (attachments, photos, training materials, review PDFs, original emails)."""

import mimetypes
import os

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

# inline files (images, PDFs) may show images and styles of their own and nothing else
INLINE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def stored_file_response(
    stored: FieldFile, *, filename: str | None = None, content_type: str | None = None, inline: bool | None = None
) -> FileResponse:
    """The file's bytes (404 when it is missing), never sniffed into something else.

    ``inline`` None: images and PDFs open in the browser, anything else downloads.
    """
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    filename = filename or os.path.basename(stored.name)
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if inline is None:
        inline = content_type.startswith("image/") or content_type == "application/pdf"
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = INLINE_POLICY if inline else DOWNLOAD_POLICY
    return response
