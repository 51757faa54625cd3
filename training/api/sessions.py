"""API: /api/v1/training-sessions/ (enrol, cancel, attendance, enrolments) and
/api/v1/enrolments/ (cancel, feedback)."""

import django_filters
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import ReadAnyWriteStaff
from core.api import WriteThroughServicesMixin, site_url
from core.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictCharField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictBooleanFilter, StrictFilterSet
from customers.models import Project
from training import selectors, services
from training.api.shared import FormatIsAFilter, contacts
from training.models import Enrolment, Feedback, Material, Topic, TrainingSession

TRAINERS = User.objects.staff()


def with_positions(queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Enrolments with ``waiting_ahead``: how many wait before them in their session's line,
    ordered by (queued_at, pk) as ``services.waiting_position`` counts, in one query for the
    whole list."""
    ahead = (
        Enrolment.objects.filter(
            Q(queued_at__lt=OuterRef("queued_at")) | Q(queued_at=OuterRef("queued_at"), pk__lt=OuterRef("pk")),
            session=OuterRef("session"),
            status=Enrolment.Status.WAITLISTED,
        )
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return queryset.annotate(waiting_ahead=Coalesce(Subquery(ahead), 0))


def _waiting_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    ahead = getattr(enrolment, "waiting_ahead", None)
    return ahead + 1 if ahead is not None else services.waiting_position(enrolment)


# --- output ---------------------------------------------------------------------------------


class MaterialOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The link, or where to download the file (signed in).")

    class Meta:
        model = Material
        fields = ["id", "title", "url"]

    def get_url(self, material) -> str:
        if material.url:
            return material.url
        return site_url(reverse("training:material", args=[material.session_id, material.pk]))


class MyEnrolmentOutput(serializers.ModelSerializer):
    waiting_position = serializers.SerializerMethodField(help_text="1 is next in line; null unless waitlisted.")

    class Meta:
        model = Enrolment
        fields = ["id", "status", "attendance", "waiting_position"]

    def get_waiting_position(self, enrolment) -> int | None:
        return _waiting_position(enrolment)


class SessionOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="plan.project_id", read_only=True)
    project_name = serializers.CharField(source="plan.project.name", read_only=True)
    trainer_name = serializers.CharField(source="trainer.__str__", read_only=True)
    seats_taken = serializers.IntegerField(read_only=True, help_text="People enrolled (seated).")
    waiting = serializers.IntegerField(read_only=True, help_text="People on the waiting list.")
    materials = MaterialOutput(many=True, read_only=True)
    my_enrolment = serializers.SerializerMethodField(help_text="The caller's own enrolment in the session, if any.")

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "plan",
            "project",
            "project_name",
            "title",
            "format",
            "location",
            "meeting_link",
            "trainer",
            "trainer_name",
            "starts_at",
            "ends_at",
            "capacity",
            "seats_taken",
            "waiting",
            "language",
            "description",
            "topics",
            "status",
            "cancel_reason",
            "materials",
            "my_enrolment",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"meeting_link": {"help_text": "Shown to staff and to those with a seat; empty for others."}}

    def to_representation(self, session) -> dict:
        data = super().to_representation(session)
        # the meeting link is for those with a seat (and staff), as on the session page
        user = self.context["request"].user
        mine = data["my_enrolment"]
        if not user.is_staff_member and (mine is None or mine["status"] != Enrolment.Status.ENROLLED):
            data["meeting_link"] = ""
        return data

    @extend_schema_field(MyEnrolmentOutput(allow_null=True))
    def get_my_enrolment(self, session) -> dict | None:
        mine = getattr(session, "mine", None)
        if mine is None:
            found = selectors.my_enrolment(session=session, user=self.context["request"].user)
            mine = [found] if found is not None else []
        return MyEnrolmentOutput(mine[0]).data if mine else None


class FeedbackOutput(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = ["enrolment", "rating", "trainer_rating", "comments", "created_at"]


class EnrolmentOutput(serializers.ModelSerializer):
    session_title = serializers.CharField(source="session.title", read_only=True)
    contact_name = serializers.CharField(source="contact.__str__", read_only=True)
    waiting_position = serializers.SerializerMethodField(help_text="1 is next in line; null unless waitlisted.")
    feedback = serializers.SerializerMethodField(help_text="The participant's feedback, once given.")
    certificate_url = serializers.SerializerMethodField(
        help_text="The completion certificate (PDF) once the session has ended for a participant marked present."
    )
    invitation_url = serializers.SerializerMethodField(
        help_text="The calendar invitation (.ics) while the seat and the session stand."
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "session",
            "session_title",
            "contact",
            "contact_name",
            "status",
            "waiting_position",
            "attendance",
            "queued_at",
            "cancelled_at",
            "feedback",
            "certificate_url",
            "invitation_url",
            "created_at",
            "updated_at",
        ]

    def get_waiting_position(self, enrolment) -> int | None:
        return _waiting_position(enrolment)

    @extend_schema_field(FeedbackOutput(allow_null=True))
    def get_feedback(self, enrolment) -> dict | None:
        feedback = getattr(enrolment, "feedback", None)  # a reverse one-to-one: absent raises, getattr says None
        return FeedbackOutput(feedback).data if feedback is not None else None

    def get_certificate_url(self, enrolment) -> str | None:
        if not services.certificate_ready(enrolment):
            return None
        return site_url(reverse("training:certificate", args=[enrolment.pk]))

    def get_invitation_url(self, enrolment) -> str | None:
        if enrolment.status != Enrolment.Status.ENROLLED or enrolment.session.is_cancelled:
            return None
        return site_url(reverse("training:invitation", args=[enrolment.session_id]))


# --- input ----------------------------------------------------------------------------------


class SessionInput(InputSerializer):
    plan = ScopedPrimaryKeyField(scope=selectors.plan_list)
    trainer = StrictPrimaryKeyRelatedField(queryset=TRAINERS, help_text="An active member of staff.")
    topics = serializers.ListField(
        child=StrictPrimaryKeyRelatedField(queryset=Topic.objects.all()),
        required=False,
        max_length=100,
        help_text="Topics of the session's plan.",
    )

    class Meta:
        model = TrainingSession
        fields = [
            "plan",
            "title",
            "format",
            "location",
            "meeting_link",
            "trainer",
            "starts_at",
            "ends_at",
            "capacity",
            "language",
            "description",
            "topics",
        ]
        extra_kwargs = {
            "location": {"help_text": "On site: the address; centralised: the venue."},
            "meeting_link": {"help_text": "Online: required."},
        }


class SessionCancelInput(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Sent to everyone enrolled.")


class EnrolInput(serializers.Serializer):
    contact = ScopedPrimaryKeyField(
        scope=contacts,
        required=False,
        help_text="The customer contact to enrol (a user id of the project's organisation); default: you. "
        "Customers enrol themselves only.",
    )


class MarkInput(serializers.Serializer):
    enrolment = StrictIntegerField(min_value=1, max_value=2**31 - 1, help_text="A seated enrolment of the session.")
    attendance = serializers.ChoiceField(
        choices=[(Enrolment.Attendance.PRESENT.value, _("Present")), (Enrolment.Attendance.ABSENT.value, _("Absent"))]
    )


class AttendanceInput(serializers.Serializer):
    marks = MarkInput(many=True, allow_empty=False, max_length=1000)

    def validate_marks(self, marks: list[dict]) -> list[dict]:
        ids = [mark["enrolment"] for mark in marks]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Mark each enrolment once."))
        return marks


class FeedbackInput(serializers.Serializer):
    rating = StrictIntegerField(min_value=1, max_value=5, help_text="Overall, 1 (poor) to 5 (excellent).")
    trainer_rating = StrictIntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None, help_text="The trainer, 1 to 5."
    )
    comments = StrictCharField(required=False, allow_blank=True, default="", max_length=5000)


# --- filters --------------------------------------------------------------------------------


class SessionFilter(StrictFilterSet):
    project = django_filters.ModelChoiceFilter(field_name="plan__project", queryset=Project.objects.all())
    upcoming = StrictBooleanFilter(method="filter_upcoming", help_text="true: not ended yet; false: ended.")

    class Meta:
        model = TrainingSession
        fields = ["plan", "project", "format", "status", "upcoming"]

    def filter_upcoming(self, queryset, name, value):
        return queryset.filter(ends_at__gt=timezone.now()) if value else queryset.filter(ends_at__lte=timezone.now())


class EnrolmentFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Enrolment.Status.choices)

    class Meta:
        model = Enrolment
        fields = ["session", "status"]


# --- sessions -------------------------------------------------------------------------------


@extend_schema(tags=["training"])
@extend_schema_view(
    create=extend_schema(responses={201: SessionOutput}),
    update=extend_schema(responses={200: SessionOutput}),
    partial_update=extend_schema(responses={200: SessionOutput}),
)
class TrainingSessionViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Training sessions: on site (an address), centralised (a venue) or online (a meeting
    link), a trainer, a time and a capacity. Customers read their organisation's and enrol;
    staff plan them. Enlarging a session seats its waiting list; changing its time or place
    sends everyone enrolled the new invitation."""

    permission_classes = [ReadAnyWriteStaff]
    content_negotiation_class = FormatIsAFilter
    input_serializer = SessionInput
    output_serializer = SessionOutput
    filterset_class = SessionFilter
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        user = self.request.user
        # Meta.ordering does not apply to a query with aggregates (the seat counts)
        queryset = selectors.session_list(user=user).order_by("starts_at", "pk")
        if self.action in ("enrol", "attendance", "enrolments"):  # they answer with enrolments
            return queryset.prefetch_related(None)
        mine = with_positions(Enrolment.objects.filter(contact_id=user.pk))
        return queryset.prefetch_related(Prefetch("enrolments", queryset=mine, to_attr="mine"))

    def service_create(self, *, actor, **fields):
        return services.session_save(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.session_save(actor=actor, session=instance, **fields)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _enrolments(self, session: TrainingSession) -> QuerySet[Enrolment]:
        return with_positions(selectors.session_enrolments(session=session, user=self.request.user))

    @extend_schema(request=EnrolInput, responses={201: EnrolmentOutput})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def enrol(self, request, pk=None):
        """Enrol a customer contact: a seat if one is free, else a place at the end of the
        waiting list (``status`` waitlisted). Customers enrol themselves; staff any contact of
        the project's organisation."""
        session = self.get_object()
        contact = self._input(EnrolInput).get("contact", request.user)
        enrolment = services.enrol(session_id=session.pk, contact=contact, actor=request.user)
        enrolment = with_positions(selectors.enrolment_list(user=request.user)).get(pk=enrolment.pk)
        return Response(EnrolmentOutput(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SessionCancelInput, responses={200: SessionOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the session, saying why (staff): everyone enrolled or waiting is told."""
        session = self.get_object()
        services.session_cancel(session_id=session.pk, actor=request.user, **self._input(SessionCancelInput))
        return self._answer(session, status.HTTP_200_OK)

    @extend_schema(request=AttendanceInput, responses={200: EnrolmentOutput(many=True)})
    @action(
        detail=True, methods=["post"], permission_classes=[IsAuthenticated], pagination_class=None, filter_backends=[]
    )
    def attendance(self, request, pk=None):
        """Mark seated participants present or absent, once the session has started (the
        trainer, managers and admins); a mark may be corrected. Answers the session's
        enrolments."""
        session = self.get_object()
        if not services.may_take_attendance(session, request.user):
            raise PermissionDenied(_("Only the trainer or a manager takes attendance."))
        marks = {mark["enrolment"]: mark["attendance"] for mark in self._input(AttendanceInput)["marks"]}
        services.attendance_take(session_id=session.pk, actor=request.user, marks=marks)
        return Response(EnrolmentOutput(self._enrolments(session), many=True).data)

    @extend_schema(responses={200: EnrolmentOutput(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def enrolments(self, request, pk=None):
        """The session's enrolments, seated first then the waiting list (staff); a customer
        sees only their own."""
        session = self.get_object()
        page = self.paginate_queryset(self._enrolments(session))
        return self.get_paginated_response(EnrolmentOutput(page, many=True).data)


# --- enrolments -----------------------------------------------------------------------------


@extend_schema(tags=["training"])
class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enrolments in training sessions: staff read all, a customer their own. The participant
    (or staff) cancels before the session starts, which seats the first in line; after the
    session, a participant marked present gives feedback and downloads the certificate."""

    serializer_class = EnrolmentOutput
    filterset_class = EnrolmentFilter
    ordering_fields = ["queued_at"]

    def get_queryset(self):
        return with_positions(selectors.enrolment_list(user=self.request.user))

    @extend_schema(request=None, responses={200: EnrolmentOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Give up the seat (or the place in line) before the session starts."""
        enrolment = self.get_object()
        services.enrolment_cancel(enrolment_id=enrolment.pk, actor=request.user)
        return Response(EnrolmentOutput(self.get_queryset().get(pk=enrolment.pk)).data)

    @extend_schema(request=FeedbackInput, responses={201: FeedbackOutput})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """The participant's feedback, once, after a session they attended."""
        enrolment = self.get_object()
        if request.user.pk != enrolment.contact_id:
            raise PermissionDenied(_("Only the participant gives feedback."))
        data = FeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.feedback_submit(enrolment_id=enrolment.pk, actor=request.user, **data.validated_data)
        return Response(FeedbackOutput(feedback).data, status=status.HTTP_201_CREATED)
