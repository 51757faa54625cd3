"""Warranty terms and periods, service contracts, and the coverage and billable work of a ticket."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


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
    time_entry = models.OneToOneField(
        "tickets.TimeEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("time entry"),
        help_text=_("The billable time entry this labour comes from; deleting the entry withdraws the item."),
    )

    class Meta:
        verbose_name = _("billable item")
        verbose_name_plural = _("billable items")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description} x {self.quantity}"
