"""Spare parts: the catalogue, where stock is kept, how much, every movement of it, the
reservations for tickets and incidents, and the returns of faulty parts (RMA)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

QUANTITY = [MinValueValidator(1), MaxValueValidator(100_000)]


class Part(TimeStampedModel):
    part_number = models.CharField(_("part number"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    fits = models.ManyToManyField(
        "maintenance.Product",
        blank=True,
        related_name="parts",
        verbose_name=_("fits"),
        help_text=_("The products this part fits."),
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("99999999"))],
        help_text=_("What one piece is billed at when the repair is not covered."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["part_number"]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"


class StockLocation(TimeStampedModel):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        VAN = "van", _("Engineer's van")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WAREHOUSE)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vans",
        verbose_name=_("engineer"),
        help_text=_("Whose van it is."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="warehouse") | Q(engineer__isnull=False), name="van_has_engineer"),
        ]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """How many pieces of a part a location holds, and how many of them are reserved."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock", verbose_name=_("part"))
    location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="stock", verbose_name=_("location")
    )
    on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    low_level = models.PositiveIntegerField(
        _("low-stock level"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000)],
        help_text=_("The managers are told when the pieces available fall to this level. Empty: never."),
    )
    low_reported_at = models.DateTimeField(_("low stock reported at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["part__part_number", "location__name"]
        constraints = [
            models.UniqueConstraint(fields=["part", "location"], name="one_stock_row_per_part_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.part} @ {self.location}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.low_level is not None and self.available <= self.low_level


class Reservation(models.Model):
    """Pieces held at a location for a ticket or an incident: ``remaining`` of them are still
    held; issuing uses them, releasing gives them back."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="reservations")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="reservations")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="part_reservations"
    )
    incident = models.ForeignKey(
        "emergency.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="part_reservations"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=QUANTITY)
    remaining = models.PositiveIntegerField(_("still reserved"))
    created_at = models.DateTimeField(_("reserved at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining__lte=F("quantity")), name="reservation_remaining_within"),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False, incident__isnull=True)
                | Q(ticket__isnull=True, incident__isnull=False),
                name="reservation_for_ticket_or_incident",
            ),
        ]
        indexes = [models.Index(fields=["closed_at"], name="reservation_open")]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.quantity} {self.part}"


class Movement(models.Model):
    """One change of stock, written in the same transaction as the stock rows it changes."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Receive")
        RESERVE = "reserve", _("Reserve")
        RELEASE = "release", _("Release")
        ISSUE = "issue", _("Issue")
        RETURN = "return", _("Return to stock")
        TRANSFER = "transfer", _("Transfer")
        WRITE_OFF = "write_off", _("Write off")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"), validators=QUANTITY)
    from_location = models.ForeignKey(
        StockLocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements_out",
        verbose_name=_("from"),
    )
    to_location = models.ForeignKey(
        StockLocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements_in",
        verbose_name=_("to"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="part_movements",
        verbose_name=_("ticket"),
    )
    incident = models.ForeignKey(
        "emergency.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="part_movements",
        verbose_name=_("incident"),
    )
    asset = models.ForeignKey(
        "customers.InstalledProduct",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="part_movements",
        verbose_name=_("asset"),
    )
    reservation = models.ForeignKey(
        Reservation, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    serial_numbers = models.CharField(_("serial numbers"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="movement_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} x {self.part}"


class Rma(TimeStampedModel):
    """A faulty part taken out, on its way back to the supplier and what became of it."""

    class State(models.TextChoices):
        AWAITING_RETURN = "awaiting_return", _("Awaiting return")
        RECEIVED = "received", _("Received")
        REPAIRED = "repaired", _("Repaired")
        REPLACED = "replaced", _("Replaced")
        SCRAPPED = "scrapped", _("Scrapped")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="rmas", verbose_name=_("part"))
    serial_number = models.CharField(_("serial number taken out"), max_length=120, blank=True)
    asset = models.ForeignKey(
        "customers.InstalledProduct",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rmas",
        verbose_name=_("asset"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="rmas", verbose_name=_("ticket")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.AWAITING_RETURN)
    supplier_reference = models.CharField(_("supplier's reference"), max_length=120, blank=True)
    fault = models.TextField(_("fault"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("return (RMA)")
        verbose_name_plural = _("returns (RMA)")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference


class RmaEvent(models.Model):
    """One line of a return's history."""

    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(_("from"), max_length=16, choices=Rma.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=Rma.State.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("return history line")
        verbose_name_plural = _("return history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.rma_id}: {self.to_state}"


class RmaCounter(models.Model):
    """The last return number handed out per year (row-locked while a return is opened)."""

    year = models.PositiveIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"
