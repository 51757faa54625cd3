"""API: /api/v1/quality-reviews/, the monthly and quarterly quality review of each
organisation, kept as an archive of revisions. Staff read; managers and admins write one on
demand (beat writes the rest); customers neither."""

import datetime

import django_filters
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.permissions import StaffReadManagersWrite
from core.api import site_url
from core.api_input import StrictDateField, StrictPrimaryKeyRelatedField
from core.filters import StrictFilterSet
from core.time import desk_today
from customers.models import Organisation
from reports import reviews, services
from reports.filters import FIRST_DAY, LAST_DAY
from reports.models import QualityReview


class QualityReviewOutput(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="QR-<organisation>-<YYYY-MM or YYYY-Qn>-<revision>.")
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    generated_by_name = serializers.SerializerMethodField()
    figures = serializers.JSONField(read_only=True, help_text="The figures of the PDF, as written.")
    file_url = serializers.SerializerMethodField(help_text="The PDF (signed-in staff).")

    class Meta:
        model = QualityReview
        fields = [
            "id",
            "reference",
            "organisation",
            "organisation_name",
            "period",
            "starts_on",
            "ends_on",
            "revision",
            "language",
            "generated_at",
            "generated_by",
            "generated_by_name",
            "figures",
            "file_url",
        ]
        extra_kwargs = {"generated_by": {"help_text": "Null: written by the scheduler after the period ended."}}

    def get_generated_by_name(self, review: QualityReview) -> str | None:
        return str(review.generated_by) if review.generated_by_id else None

    def get_file_url(self, review: QualityReview) -> str:
        return site_url(reverse("reports:review-file", args=[review.pk]))


class QualityReviewInput(serializers.Serializer):
    organisation = StrictPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    period = serializers.ChoiceField(choices=QualityReview.Period.choices)
    day = StrictDateField(
        required=False,
        help_text="Any day of the month or quarter; default: the last one that ended (a new revision if it has "
        "one already).",
    )

    def validate_day(self, day: datetime.date) -> datetime.date:
        if not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(
                _("A day from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}
            )
        return day


class QualityReviewFilter(StrictFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = QualityReview
        fields = ["organisation", "period"]

    @classmethod
    def get_filters(cls):
        # ``from`` is a Python keyword: added by name
        return {
            **super().get_filters(),
            "from": django_filters.DateFilter(
                field_name="starts_on", lookup_expr="gte", help_text="Periods starting on this day or later."
            ),
            "to": django_filters.DateFilter(
                field_name="starts_on", lookup_expr="lte", help_text="Periods starting on this day or earlier."
            ),
        }


@extend_schema(tags=["reports"])
class QualityReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quality reviews: per organisation and month or quarter, SLA attainment against the
    contract's promise, incidents and their reviews, inspections, trainings, satisfaction and
    open improvement actions, as a PDF. Asking again for a period writes its next revision;
    none is replaced. The review is written in the language of the request."""

    permission_classes = [StaffReadManagersWrite]
    serializer_class = QualityReviewOutput
    filterset_class = QualityReviewFilter
    ordering_fields = ["starts_on", "generated_at"]
    search_fields = ["organisation__name", "organisation__code"]

    def get_queryset(self):
        return QualityReview.objects.select_related("organisation", "generated_by")

    @extend_schema(request=QualityReviewInput, responses={201: QualityReviewOutput})
    def create(self, request):
        """Write the review of a month or quarter now (managers and admins), as the period's
        next revision."""
        data = QualityReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        period, day = data.validated_data["period"], data.validated_data.get("day")
        if day is None:
            day, _end = reviews.previous_period(period, desk_today())
        review = services.review_generate(
            organisation=data.validated_data["organisation"],
            period=period,
            day=day,
            actor=request.user,
            language=getattr(request, "LANGUAGE_CODE", None) or translation.get_language(),
        )
        review = self.get_queryset().get(pk=review.pk)
        return Response(QualityReviewOutput(review).data, status=status.HTTP_201_CREATED)
