"""The one error format, for every kind of failure."""

from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory

from core.api import exception_handler
from core.errors import NotAllowed, ServiceDeskError


def _handle(exc):
    return exception_handler(exc, {"request": APIRequestFactory().get("/"), "view": None})


def test_a_domain_error_is_a_400_naming_its_field():
    response = _handle(ServiceDeskError("Closed tickets cannot be reassigned.", field="assignee"))
    assert response.status_code == 400
    assert response.data == {
        "detail": "Closed tickets cannot be reassigned.",
        "errors": {"assignee": ["Closed tickets cannot be reassigned."]},
    }


def test_a_domain_error_without_field():
    response = _handle(ServiceDeskError("No."))
    assert (response.status_code, response.data) == (400, {"detail": "No.", "errors": {}})


def test_not_allowed_is_a_403():
    response = _handle(NotAllowed("Only managers may do this."))
    assert (response.status_code, response.data) == (403, {"detail": "Only managers may do this.", "errors": {}})


def test_a_django_validation_error_is_a_400_per_field():
    response = _handle(ValidationError({"code": ["Taken."], "name": ["Required."]}))
    assert response.status_code == 400
    assert response.data["errors"] == {"code": ["Taken."], "name": ["Required."]}
    assert response.data["detail"] == "code: Taken."


def test_a_validation_error_without_field():
    response = _handle(ValidationError("Out of range."))
    assert response.data == {"detail": "Out of range.", "errors": {"non_field_errors": ["Out of range."]}}


def test_other_exceptions_are_left_to_django():
    assert _handle(RuntimeError("boom")) is None
