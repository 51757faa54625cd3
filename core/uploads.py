"""Attachment checks: size, and a content type read from the bytes, not trusted from the
browser; the quotas (files per request, files per comment, bytes per ticket); and the guard
that removes what a failed write stored on disk. Files are stored under MEDIA_ROOT and served
only through the ticket's views."""

import codecs
import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from functools import wraps
from typing import Any, TypeVar

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def max_files_per_request() -> int:
    return getattr(settings, "ATTACHMENT_MAX_FILES_PER_REQUEST", 10)


def max_files_per_comment() -> int:
    return getattr(settings, "ATTACHMENT_MAX_FILES_PER_COMMENT", 25)


def max_bytes_per_ticket() -> int:
    return getattr(settings, "ATTACHMENT_MAX_BYTES_PER_TICKET", 200 * 1024 * 1024)


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


# --- quotas ----------------------------------------------------------------------------------


def check_request_count(count: int) -> None:
    """The files one request (a page's form, an API call) may carry:
    ``ATTACHMENT_MAX_FILES_PER_REQUEST``."""
    limit = max_files_per_request()
    if count > limit:
        raise ValidationError(
            ngettext(
                "At most %(limit)d file may be uploaded at a time (%(count)d were sent).",
                "At most %(limit)d files may be uploaded at a time (%(count)d were sent).",
                limit,
            )
            % {"limit": limit, "count": count},
            code="too_many_files",
        )


def check_quota(files: Sequence[UploadedFile], *, stored_bytes: int) -> None:
    """The files of one comment (or of a ticket's report), against
    ``ATTACHMENT_MAX_FILES_PER_COMMENT``, and their bytes with the ``stored_bytes`` the ticket
    already holds against ``ATTACHMENT_MAX_BYTES_PER_TICKET``. The caller holds the ticket's lock."""
    limit = max_files_per_comment()
    if len(files) > limit:
        raise ValidationError(
            ngettext(
                "A message may carry at most %(limit)d file (%(count)d were sent).",
                "A message may carry at most %(limit)d files (%(count)d were sent).",
                limit,
            )
            % {"limit": limit, "count": len(files)},
            code="too_many_files",
        )
    total = max_bytes_per_ticket()
    adding = sum(upload.size or 0 for upload in files)
    if adding and stored_bytes + adding > total:
        raise ValidationError(
            _(
                "A ticket's attachments may total at most %(limit)s; it holds %(stored)s, "
                "and these files (%(adding)s) would go over."
            )
            % {
                "limit": filesizeformat(total),
                "stored": filesizeformat(stored_bytes),
                "adding": filesizeformat(adding),
            },
            code="ticket_quota",
        )


# --- nothing left on disk --------------------------------------------------------------------

# the files stored under each guard now open (innermost last)
_guards: contextvars.ContextVar[tuple[list[tuple[Storage, str]], ...]] = contextvars.ContextVar(
    "upload_guards", default=()
)


def stored(storage: Storage, name: str) -> None:
    """Tell the open guards that ``name`` was written: a failure before they close removes it."""
    for written in _guards.get():
        written.append((storage, name))


@contextlib.contextmanager
def removed_on_failure() -> Iterator[None]:
    """Files ``stored`` inside the block are deleted if the block raises (its transaction rolls
    back, so no row points at them). Guards nest: an outer one (a caller's transaction, such as
    the email intake's) also removes what an inner write stored and kept."""
    written: list[tuple[Storage, str]] = []
    token = _guards.set((*_guards.get(), written))
    try:
        yield
    except BaseException:
        for storage, name in written:
            with contextlib.suppress(OSError):  # the error being raised matters more
                storage.delete(name)
        raise
    finally:
        _guards.reset(token)


Function = TypeVar("Function", bound=Callable[..., Any])


def files_removed_on_failure(function: Function) -> Function:
    """Decorator form of ``removed_on_failure``; put it above ``@transaction.atomic`` so that a
    failed commit removes the files too."""

    @wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        with removed_on_failure():
            return function(*args, **kwargs)

    return guarded  # type: ignore[return-value]
