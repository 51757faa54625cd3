"""Attachment checks: size, and a content type read from the bytes, not trusted from the
browser. Files are stored under MEDIA_ROOT and served only through the ticket's views."""

import codecs

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# What the bytes may be (sniffed), by the extensions that may carry them.
ALLOWED = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
    "application/zip": {".zip", ".docx", ".xlsx", ".pptx"},
    "application/gzip": {".gz", ".tgz"},
    "application/x-7z-compressed": {".7z"},
}
TEXT_EXTENSIONS = {".txt", ".log", ".csv", ".json", ".xml", ".yaml", ".yml", ".cfg", ".conf", ".ini", ".eml"}


def max_bytes() -> int:
    return getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)  # head may end mid-character
            return True
        except UnicodeDecodeError:
            continue
    return False


def check_upload(upload: UploadedFile) -> str:
    """The verified content type of an upload, or a ValidationError saying what is wrong."""
    name = upload.name or ""
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if upload.size > max_bytes():
        raise ValidationError(
            _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(max_bytes())}, code="size"
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess_mime(head)
    if kind is not None and extension in ALLOWED.get(kind, set()):
        return kind
    if kind is None and extension in TEXT_EXTENSIONS and _is_text(head[:4000]):
        return "text/plain"
    raise ValidationError(
        _("%(name)s is not an accepted file type (images, PDF, text and logs, office documents, archives).")
        % {"name": name},
        code="type",
    )
