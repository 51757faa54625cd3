"""Checklists, inspection schedules, visits with their answers and photos."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from core.time import desk_today
from maintenance.models.schedules import RecurringSchedule


class Section(models.TextChoices):
    SYSTEM_STATUS = "system_status", _("System status")
    PERFORMANCE = "performance", _("Performance and tuning")
    RISK = "risk", _("Risk assessment")
    OTHER = "other", _("Other")


class AnswerKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass or fail")
    VALUE = "value", _("Value")
    TEXT = "text", _("Text")


class ChecklistTemplate(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0, validators=[MaxValueValidator(1000)])
    section = models.CharField(_("section"), max_length=16, choices=Section.choices, default=Section.SYSTEM_STATUS)
    label = models.CharField(_("check"), max_length=200)
    answer_kind = models.CharField(
        _("answer type"), max_length=10, choices=AnswerKind.choices, default=AnswerKind.PASS_FAIL
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    guidance = models.CharField(_("guidance"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class InspectionSchedule(RecurringSchedule):
    """A project's recurring inspection: an RFC 5545 recurrence rule from a first date."""

    project = models.ForeignKey(
        "customers.Project",
        on_delete=models.PROTECT,
        related_name="inspection_schedules",
        verbose_name=_("delivered project"),
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_schedules",
        verbose_name=_("engineer"),
    )
    checklist = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("checklist")
    )

    history = HistoricalRecords(verbose_name=_("historical inspection schedule"))

    class Meta:
        verbose_name = _("inspection schedule")
        verbose_name_plural = _("inspection schedules")
        ordering = ["project__name", "name"]


class InspectionQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date | None = None) -> "InspectionQuerySet":
        return self.filter(Inspection.overdue_q(today))


class Inspection(TimeStampedModel):
    """One visit: a scheduled inspection or an ad hoc health check."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("Inspection")
        HEALTH_CHECK = "health_check", _("Health check")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("delivered project")
    )
    schedule = models.ForeignKey(
        InspectionSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INSPECTION)
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("engineer")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True, editable=False)
    # the customer's sign-off of the completed report (in the portal or the API), once
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True, editable=False)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("signed off by (account)"),
    )
    signed_off_name = models.CharField(_("signed off by"), max_length=120, blank=True, editable=False)
    signed_off_on = models.DateField(_("sign-off date"), null=True, blank=True, editable=False)
    sign_off_remarks = models.TextField(_("customer's remarks"), blank=True, editable=False)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="inspection_status_due")]
        constraints = [
            # the beat may run twice: one visit per schedule and date
            models.UniqueConstraint(
                fields=["schedule", "due_date"], name="one_visit_per_schedule_date", condition=Q(schedule__isnull=False)
            )
        ]

    objects = InspectionQuerySet.as_manager()

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @classmethod
    def overdue_q(cls, today: datetime.date | None = None) -> Q:
        """Overdue: still open after its due date, on the desk's date (the one rule of it)."""
        return Q(status__in=cls.OPEN_STATUSES, due_date__lt=today or desk_today())

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < desk_today()

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    def __str__(self) -> str:
        return f"{self.title} ({self.due_date})"


class InspectionAnswer(models.Model):
    """One checklist line of a visit, copied from the template when the visit is created."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    label = models.CharField(_("check"), max_length=200)
    answer_kind = models.CharField(_("answer type"), max_length=10, choices=AnswerKind.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices, blank=True)
    value = models.CharField(_("value"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_answered(self) -> bool:
        return bool(self.result) if self.answer_kind == AnswerKind.PASS_FAIL else bool(self.value.strip())


def photo_path(instance: "InspectionPhoto", filename: str) -> str:
    return f"inspections/{instance.inspection_id}/{filename}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name
