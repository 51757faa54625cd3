"""API of sessions, tokens and the audit log: a caller's own browser sessions; for admins, any
user's sessions and tokens (list, end or revoke one, end all sessions), the users to find them
by, and the audit log. Customers, engineers and managers get 403 on the admins' endpoints; a
user id that does not exist is a 404."""

import django_filters
from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import selectors, selectors_security, services
from accounts.api import ApiTokenOutput
from accounts.models import ApiToken, AuditEvent, User, UserSession
from accounts.permissions import IsAdmin
from accounts.services import sessions as session_services
from core.filters import StrictFilterSet, StrictIntegerFilter

# The ids in the paths are integers (the URL patterns accept digits only)
ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
USER_ID = OpenApiParameter("user_id", int, OpenApiParameter.PATH)


class UserSessionOutput(serializers.ModelSerializer):
    device = serializers.SerializerMethodField(help_text='The browser and system in words: "Firefox, Windows".')
    current = serializers.SerializerMethodField(help_text="Whether this request came with this session.")

    class Meta:
        model = UserSession
        fields = ["id", "device", "user_agent", "address", "method", "created_at", "last_seen_at", "current"]

    def get_device(self, session: UserSession) -> str:
        return selectors_security.device_label(session.user_agent)

    def get_current(self, session: UserSession) -> bool:
        request = self.context["request"]
        own = getattr(request, "session", None)
        return request.auth is None and own is not None and own.session_key == session.session_key


SessionsEnded = inline_serializer("SessionsEndedOutput", fields={"ended": serializers.IntegerField()})


@extend_schema(tags=["auth"])
@extend_schema_view(
    list=extend_schema(summary="The caller's signed-in browser sessions"),
    destroy=extend_schema(summary="End one of the caller's sessions (that browser is signed out)", parameters=[ID]),
)
class MySessionViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's live browser sessions; another person's session is a 404."""

    serializer_class = UserSessionOutput
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return UserSession.objects.none()
        return selectors_security.live_sessions(user=self.request.user)

    def destroy(self, request, *args, **kwargs):
        try:
            session_services.session_end_of(user=request.user, session_id=int(kwargs["pk"]), actor=request.user)
        except UserSession.DoesNotExist as error:
            raise Http404 from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class _OfUser:
    """A view set under ``users/{user_id}/``: admins only (checked first), the user or 404."""

    permission_classes = [IsAdmin]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"

    def subject(self) -> User:
        if not hasattr(self, "_subject"):
            self._subject = get_object_or_404(User, pk=self.kwargs["user_id"])
        return self._subject


@extend_schema(tags=["users"], parameters=[USER_ID])
@extend_schema_view(
    list=extend_schema(summary="A user's signed-in browser sessions (admins)"),
    destroy=extend_schema(summary="End one of a user's sessions (admins)", parameters=[ID]),
)
class UserSessionViewSet(_OfUser, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSessionOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return UserSession.objects.none()
        return selectors_security.live_sessions(user=self.subject())

    def destroy(self, request, *args, **kwargs):
        try:
            session_services.session_end_of(user=self.subject(), session_id=int(kwargs["pk"]), actor=request.user)
        except UserSession.DoesNotExist as error:
            raise Http404 from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="End all of a user's sessions (admins)", request=None, responses={200: SessionsEnded})
    @action(detail=False, methods=["post"], url_path="end-all")
    def end_all(self, request, *args, **kwargs):
        ended = session_services.sessions_end_all(user=self.subject(), actor=request.user)
        return Response({"ended": ended})


@extend_schema(tags=["users"], parameters=[USER_ID])
@extend_schema_view(
    list=extend_schema(summary="A user's API tokens that still work, never their keys (admins)"),
    destroy=extend_schema(summary="Revoke one of a user's API tokens (admins)", parameters=[ID]),
)
class UserTokenViewSet(_OfUser, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = ApiTokenOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.user_api_tokens(user=self.subject()).order_by("-created_at", "-pk")

    def destroy(self, request, *args, **kwargs):
        token = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        services.api_token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AddressFilter(django_filters.CharFilter):
    field_class = forms.GenericIPAddressField


class AuditEventFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=AuditEvent.Kind.choices)
    user = StrictIntegerFilter(field_name="user_id", help_text="The id of the user the line is about.")
    username = django_filters.CharFilter(
        method="filter_username", help_text="Part of the username typed, or of the user's (any case)."
    )
    address = AddressFilter(field_name="address", help_text="The client address (IPv4 or IPv6), exactly.")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", help_text="From this moment on.")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", help_text="Before this moment.")

    class Meta:
        model = AuditEvent
        fields = ["kind", "user", "username", "address", "since", "until"]

    def filter_username(self, queryset, name, value):
        return (
            selectors_security.audit_events(username=value).filter(pk__in=queryset.values("pk")) if value else queryset
        )


class AuditEventOutput(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor_username = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "kind",
            "kind_label",
            "user",
            "username",
            "actor",
            "actor_username",
            "address",
            "user_agent",
            "method",
            "detail",
        ]

    def get_actor_username(self, event: AuditEvent) -> str:
        return event.actor.get_username() if event.actor_id else ""


@extend_schema(tags=["users"])
@extend_schema_view(
    list=extend_schema(summary="The security audit log, newest first (admins)"),
    retrieve=extend_schema(
        summary="One line of the audit log (admins)",
        parameters=[ID],
        responses={200: AuditEventOutput, 404: OpenApiResponse()},
    ),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sign-ins, failures, factor, role, session and token changes, deactivations and personal
    data exports and erasures, with the client address."""

    serializer_class = AuditEventOutput
    permission_classes = [IsAdmin]
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = AuditEventFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
