"""API plumbing shared by every app: the one error format and pagination.

Every error answers ``{"detail": <message>, "errors": {<field>: [<message>, ...]}}``;
``errors`` is empty when the error concerns no single field.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import NotAllowed, ServiceDeskError


def site_url(path: str) -> str:
    """An absolute link to a page of the site (``SITE_URL`` + ``path``)."""
    return settings.SITE_URL.rstrip("/") + path


def user_name(user) -> str | None:
    """A user as the API shows one: the full name, else the username; None for nobody."""
    return str(user) if user is not None else None


class Pagination(PageNumberPagination):
    """``?page=`` (a page past the end is a 404) and ``?page_size=`` (1 to 200; else a 400)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":  # DRF would read it as page 1
            raise exceptions.ValidationError({self.page_query_param: [_("A whole number from 1.")]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            message = _("A whole number from 1 to %(maximum)d.") % {"maximum": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


ERROR_SCHEMA = {
    "type": "object",
    "description": "The body of every 4xx answer.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "errors": {
            "type": "object",
            "description": "Messages per input field; empty when the error concerns no single field.",
            "additionalProperties": {},
        },
    },
    "required": ["detail", "errors"],
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular hook: document the one error format on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    descriptions = {
        "400": "Bad input",
        "401": "Not authenticated",
        "403": "Not allowed",
        "404": "Not found, or not visible to the caller",
        "429": "Too many requests",
    }
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    # answered by gunicorn before the desk sees the request, as an HTML page
    too_long = {
        "content": {"text/html": {"schema": {"type": "string"}}},
        "description": "URI too long: the request line is over the web server's limit (gunicorn: 4094 bytes)",
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code in ("400", "401", "403", "404", "429"):
                operation["responses"].setdefault(code, {"content": reference, "description": descriptions[code]})
            operation["responses"].setdefault("414", too_long)
    return result


def _as_lists(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return {key: value if isinstance(value, list | dict) else [value] for key, value in data.items()}
    if isinstance(data, list):
        return {"non_field_errors": data}
    return {"non_field_errors": [data]}


def _first_message(errors: dict[str, Any]) -> str:
    for key, value in errors.items():
        while isinstance(value, list | dict) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        if value:
            return str(value) if key == "non_field_errors" else f"{key}: {value}"
    return _("Invalid input.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, ServiceDeskError):
        errors = {exc.field: [exc.message]} if exc.field else {}
        return Response({"detail": exc.message, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_lists(response.data)
        response.data = {"detail": _first_message(errors), "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"detail": str(detail), "errors": {}}
    return response


class WriteThroughServicesMixin:
    """create/update parse with the input serializer, call the service, answer with the output."""

    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]

    def service_create(self, *, actor, **fields):
        raise NotImplementedError

    def service_update(self, actor, instance, fields):
        raise NotImplementedError

    def get_serializer_class(self):
        return (
            self.input_serializer if self.action in {"create", "update", "partial_update"} else self.output_serializer
        )

    def _answer(self, instance, code: int) -> Response:
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.output_serializer(instance, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self.input_serializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        instance = self.service_create(actor=request.user, **data.validated_data)
        return self._answer(instance, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        data = self.input_serializer(
            instance, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        instance = self.service_update(request.user, instance, data.validated_data)
        return self._answer(instance, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
