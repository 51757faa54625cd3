"""Warranty and service contracts, the coverage of fault tickets, preventive maintenance
(inspection schedules and visits, ad hoc health checks), return visits and satisfaction
surveys, products with their releases and the upgrade notices they send to projects.

See docs/warranty.md and docs/maintenance.md for the rules these rows follow.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from core.time import desk_today


class Cause(models.TextChoices):
    """The root cause of a fault, as the engineer attributes it at resolution."""

    PRODUCT_QUALITY = "product_quality", _("Product quality")
    INSTALLATION = "installation", _("Installation")
    MISUSE = "misuse", _("Misuse or improper operation")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    THIRD_PARTY = "third_party", _("Changes by a third party")
    OTHER = "other", _("Other cause")


class Service(models.TextChoices):
    REPAIR = "repair", _("Repair")
    REPLACEMENT = "replacement", _("Replacement")
    PATCH = "patch", _("Patches")
    MINOR_UPGRADE = "minor_upgrade", _("Minor upgrades")
    MAJOR_UPGRADE = "major_upgrade", _("Major-version upgrades")


def default_covered_causes() -> list[str]:
    return [Cause.PRODUCT_QUALITY, Cause.INSTALLATION]


def default_services() -> list[str]:
    return [Service.REPAIR, Service.REPLACEMENT, Service.PATCH, Service.MINOR_UPGRADE]


class Terms(TimeStampedModel):
    """What a warranty or a service contract promises: the causes it covers and the services
    it includes. Causes and services not listed are excluded."""

    covered_causes = models.JSONField(_("causes covered"), default=default_covered_causes, blank=True)
    services_included = models.JSONField(_("services included"), default=default_services, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        for name, choices in (("covered_causes", Cause), ("services_included", Service)):
            values = getattr(self, name)
            if not isinstance(values, list) or any(value not in choices.values for value in values):
                raise ValidationError({name: _("Choose from the listed values.")})

    @property
    def excluded_causes(self) -> list[str]:
        return [value for value in Cause.values if value not in self.covered_causes]

    @property
    def excluded_services(self) -> list[str]:
        return [value for value in Service.values if value not in self.services_included]


class WarrantyTerms(Terms):
    name = models.CharField(_("name"), max_length=120, unique=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("Years times 12: a 2-year warranty is 24 months."),
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords(verbose_name=_("historical warranty terms"))

    class Meta:
        verbose_name = _("warranty terms")
        verbose_name_plural = _("warranty terms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Warranty(TimeStampedModel):
    """The free warranty of a delivered project, or of one installed asset of it.

    ``end_date`` is the last day covered: the same date ``duration_months`` later, or the last
    day of that month where the date does not exist (so 2024-02-29 plus 2 years ends on
    2026-02-28).
    """

    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="warranties", verbose_name=_("delivered project")
    )
    asset = models.ForeignKey(
        "customers.InstalledProduct",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warranties",
        verbose_name=_("installed asset"),
        help_text=_("Empty: the warranty covers the whole project."),
    )
    terms = models.ForeignKey(
        WarrantyTerms, on_delete=models.PROTECT, related_name="warranties", verbose_name=_("warranty terms")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("last day covered"))
    notes = models.TextField(_("notes"), blank=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(verbose_name=_("historical warranty"))

    class Meta:
        verbose_name = _("warranty")
        verbose_name_plural = _("warranties")
        ordering = ["end_date", "pk"]
        indexes = [models.Index(fields=["project", "end_date"], name="warranty_project_end")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="warranty_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.project} ({self.asset})" if self.asset_id else str(self.project)


class ServiceContract(Terms):
    """A paid contract that covers a project (or one asset) for a period, typically after the
    free warranty has expired."""

    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("delivered project")
    )
    asset = models.ForeignKey(
        "customers.InstalledProduct",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("installed asset"),
        help_text=_("Empty: the contract covers the whole project."),
    )
    number = models.CharField(_("contract number"), max_length=60, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("last day covered"))
    service_level = models.CharField(
        _("service level"), max_length=200, blank=True, help_text=_("For example: 7x24, 4-hour on-site response.")
    )
    price_terms = models.TextField(_("price terms"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(verbose_name=_("historical service contract"))

    class Meta:
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        ordering = ["-end_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="contract_ends_after_start")
        ]

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day covered is before the start date.")})

    def __str__(self) -> str:
        return self.number


class Decision(models.TextChoices):
    FREE = "free", _("Free of charge")
    BILLABLE = "billable", _("Billable")


class Coverage(TimeStampedModel):
    """The decided coverage of one ticket: the engineer's root-cause attribution and the
    verdict from the warranty or contract in force when the ticket was received."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="coverage")
    cause = models.CharField(_("root cause"), max_length=20, choices=Cause.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    warranty = models.ForeignKey(Warranty, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contract = models.ForeignKey(ServiceContract, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(verbose_name=_("historical coverage"))

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.decision}"


class BillableItem(models.Model):
    """Billable work on a ticket: labour hours or a part."""

    class Kind(models.TextChoices):
        LABOUR = "labour", _("Labour (hours)")
        PART = "part", _("Part")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="billable_items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99999"))],
        help_text=_("Hours for labour, pieces for parts."),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("billable item")
        verbose_name_plural = _("billable items")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description} x {self.quantity}"


# --- inspections --------------------------------------------------------------------------


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


class InspectionSchedule(TimeStampedModel):
    """A project's recurring inspection: an RFC 5545 recurrence rule from a first date."""

    project = models.ForeignKey(
        "customers.Project",
        on_delete=models.PROTECT,
        related_name="inspection_schedules",
        verbose_name=_("delivered project"),
    )
    name = models.CharField(_("name"), max_length=120)
    rule = models.CharField(
        _("recurrence rule"),
        max_length=300,
        help_text=_("RFC 5545, for example FREQ=MONTHLY;INTERVAL=3 (quarterly) or FREQ=MONTHLY;INTERVAL=6."),
    )
    first_date = models.DateField(_("first visit"))
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_schedules",
        verbose_name=_("engineer"),
    )
    checklist = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("checklist")
    )
    lead_days = models.PositiveSmallIntegerField(
        _("planned ahead (days)"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("Each visit is created this many days before its date."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(verbose_name=_("historical inspection schedule"))

    class Meta:
        verbose_name = _("inspection schedule")
        verbose_name_plural = _("inspection schedules")
        ordering = ["project__name", "name"]

    def __str__(self) -> str:
        return f"{self.project}: {self.name}"


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


# --- return visits and surveys ------------------------------------------------------------


class ReturnVisit(TimeStampedModel):
    """A scheduled follow-up call or visit (回访) to hear how the customer is served."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("delivered project")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="return_visits",
        verbose_name=_("ticket"),
    )
    scheduled_for = models.DateField(_("scheduled for"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("made by")
    )
    contact_name = models.CharField(_("customer contact"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (very dissatisfied) to 5 (very satisfied)"),
    )
    suggestions = models.TextField(_("suggestions"), blank=True)

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["scheduled_for", "pk"]

    def __str__(self) -> str:
        return f"{self.project} {self.scheduled_for}"


class SurveyInvitation(models.Model):
    """The satisfaction survey sent to the reporter after a ticket is resolved: one per
    ticket, answered once (into the ticket's rating) through a signed link that expires."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="survey")
    sent_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self) -> str:
        return str(self.ticket_id)


# --- products, releases and upgrades ------------------------------------------------------


class Product(TimeStampedModel):
    """A product the vendor ships; projects run it as installed products of the same name."""

    name = models.CharField(
        _("name"),
        max_length=200,
        unique=True,
        help_text=_("Installed products of a project with this name (any letter case) run this product."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Release(TimeStampedModel):
    class Kind(models.TextChoices):
        PATCH = "patch", _("Patch")
        MINOR = "minor", _("Minor upgrade")
        MAJOR = "major", _("Major upgrade")

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="releases", verbose_name=_("product"))
    version = models.CharField(_("version"), max_length=60)
    released_on = models.DateField(_("release date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.MINOR)
    security_advisory = models.BooleanField(
        _("security advisory"), default=False, help_text=_("The release fixes a security vulnerability.")
    )
    notes = models.TextField(_("release notes"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-released_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["product", "version"], name="one_release_per_version")]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"


class UpgradeNotice(TimeStampedModel):
    """A release reaching one installed product of a project, with the free/paid decision
    and the upgrade's progress."""

    class Status(models.TextChoices):
        NOTIFIED = "notified", _("Notified")
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="notices")
    installed_product = models.ForeignKey(
        "customers.InstalledProduct", on_delete=models.CASCADE, related_name="upgrade_notices"
    )
    project = models.ForeignKey(
        "customers.Project",
        on_delete=models.PROTECT,
        related_name="upgrade_notices",
        verbose_name=_("delivered project"),
    )
    from_version = models.CharField(_("installed version"), max_length=60, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NOTIFIED)
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("upgrade notice")
        verbose_name_plural = _("upgrade notices")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["release", "installed_product"], name="one_notice_per_release_install")
        ]

    def __str__(self) -> str:
        return f"{self.release} → {self.project}"
