"""core.uploads: the quota checks and the guard that removes files a failed write stored."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from core import uploads


def upload(size: int, name: str = "a.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="text/plain")


def test_the_defaults_are_sensible(settings):
    assert settings.ATTACHMENT_MAX_FILES_PER_REQUEST == 10
    # every way in obeys the per-message backstop: it leaves room for a form's and an email's files
    assert settings.ATTACHMENT_MAX_FILES_PER_COMMENT >= settings.ATTACHMENT_MAX_FILES_PER_REQUEST
    assert getattr(settings, "MAIL_MAX_ATTACHMENTS", 0) + 1 <= settings.ATTACHMENT_MAX_FILES_PER_COMMENT
    assert settings.ATTACHMENT_MAX_BYTES_PER_TICKET == 200 * 1024 * 1024
    assert settings.ATTACHMENT_MAX_BYTES_PER_TICKET >= settings.ATTACHMENT_MAX_BYTES


def test_files_per_request(settings):
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 1
    uploads.check_request_count(1)
    with pytest.raises(ValidationError, match=r"At most 1 file may be uploaded at a time \(2 were sent\)"):
        uploads.check_request_count(2)


def test_files_per_comment_and_bytes_per_ticket(settings):
    settings.ATTACHMENT_MAX_FILES_PER_COMMENT = 2
    settings.ATTACHMENT_MAX_BYTES_PER_TICKET = 100
    uploads.check_quota([upload(40), upload(40)], stored_bytes=20)  # exactly the total
    uploads.check_quota([], stored_bytes=500)  # nothing added: a ticket over a lowered total still takes replies
    with pytest.raises(ValidationError) as error:
        uploads.check_quota([upload(1), upload(1), upload(1)], stored_bytes=0)
    assert error.value.code == "too_many_files"
    with pytest.raises(ValidationError) as error:
        uploads.check_quota([upload(40), upload(41)], stored_bytes=20)
    assert error.value.code == "ticket_quota" and "at most 100" in error.value.message


def test_a_failure_removes_what_was_stored_and_a_success_keeps_it(tmp_path):
    storage = FileSystemStorage(location=tmp_path)

    with uploads.removed_on_failure():
        kept = storage.save("kept.txt", ContentFile(b"1"))
        uploads.stored(storage, kept)
    with pytest.raises(RuntimeError), uploads.removed_on_failure():
        lost = storage.save("lost.txt", ContentFile(b"2"))
        uploads.stored(storage, lost)
        raise RuntimeError
    assert storage.exists(kept) and not storage.exists(lost)


def test_an_outer_guard_removes_what_an_inner_write_kept(tmp_path):
    """The email intake's filing: a ticket filed (its files kept by the inner guard), then a
    later step fails and the whole filing rolls back."""
    storage = FileSystemStorage(location=tmp_path)
    with pytest.raises(RuntimeError), uploads.removed_on_failure():
        with uploads.removed_on_failure():
            inner = storage.save("inner.txt", ContentFile(b"1"))
            uploads.stored(storage, inner)
        assert storage.exists(inner)
        raise RuntimeError
    assert not storage.exists(inner)
    # outside any guard, stored() remembers nothing
    loose = storage.save("loose.txt", ContentFile(b"3"))
    uploads.stored(storage, loose)
    assert storage.exists(loose)


def test_the_decorator_form(tmp_path):
    storage = FileSystemStorage(location=tmp_path)

    @uploads.files_removed_on_failure
    def write_then_fail() -> None:
        uploads.stored(storage, storage.save("x.txt", ContentFile(b"1")))
        raise ValueError

    with pytest.raises(ValueError):
        write_then_fail()
    assert list(tmp_path.iterdir()) == []
