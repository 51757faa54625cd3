"""Products, their releases, and the upgrade notice of each project that runs one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from maintenance.models.warranties import Decision


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
