"""Customer organisations and the projects the vendor delivered to them.

The customer contacts are users (``accounts.User`` with the customer role and this
organisation). Later modules attach SLA policies, warranties and risks to a project.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


class Organisation(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Short unique code, used in references and exports.")
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(verbose_name=_("historical organisation"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(TimeStampedModel):
    """A system the vendor delivered to an organisation; after-sales service is owed on it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects", verbose_name=_("organisation")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    site_address = models.TextField(_("site address"), blank=True)
    final_acceptance_date = models.DateField(
        _("final acceptance date"),
        null=True,
        blank=True,
        help_text=_("The free warranty period starts on this date."),
    )
    customer_liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaison_for_projects",
        verbose_name=_("customer emergency liaison"),
        help_text=_("The customer's own emergency liaison: a contact of the same organisation."),
    )
    sla_policy = models.ForeignKey(
        "tickets.SLAPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("SLA policy"),
        help_text=_("Empty: the default policy applies."),
    )
    emergency_response_minutes = models.PositiveIntegerField(
        _("emergency response target (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_080)],
        help_text=_(
            "Round-the-clock minutes from the first report of an emergency to the start of handling. "
            "Empty: the desk's default applies."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(verbose_name=_("historical project"))

    class Meta:
        verbose_name = _("delivered project")
        verbose_name_plural = _("delivered projects")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_project_name_per_organisation")
        ]

    def clean(self) -> None:
        liaison = self.customer_liaison
        if liaison is not None and (not liaison.is_customer or liaison.organisation_id != self.organisation_id):
            raise ValidationError(
                {"customer_liaison": _("The customer liaison must be a contact of the project's organisation.")}
            )

    def __str__(self) -> str:
        return self.name


class InstalledProduct(TimeStampedModel):
    """A product (hardware or software) delivered within a project, at a version."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="products", verbose_name=_("delivered project")
    )
    name = models.CharField(_("product"), max_length=200)
    version = models.CharField(_("version"), max_length=60, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=120, blank=True)
    # Explicit bounds: the API schema then says the same on SQLite and PostgreSQL.
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    notes = models.TextField(_("notes"), blank=True)
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("Where it stands: building, room, rack.")
    )
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)

    history = HistoricalRecords(verbose_name=_("historical installed product"))

    class Meta:
        verbose_name = _("installed product")
        verbose_name_plural = _("installed products")
        ordering = ["name", "version"]
        indexes = [models.Index(fields=["serial_number"], name="asset_serial")]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class HotlineNumber(TimeStampedModel):
    """A service hotline: the desk's own (no organisation) or one organisation's."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hotlines",
        verbose_name=_("organisation"),
        help_text=_("Empty: the desk's hotline, shown to everyone without one of their own."),
    )
    label = models.CharField(_("label"), max_length=120, help_text=_("What the number is for, e.g. 24-hour hotline."))
    number = models.CharField(_("number"), max_length=40)
    hours = models.CharField(_("hours"), max_length=120, help_text=_("When it is answered, e.g. 24 x 7."))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hotline number")
        verbose_name_plural = _("hotline numbers")
        ordering = ["organisation_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.number}"
