"""An import job: one uploaded file of one kind, its preview (every row's verdict), then the
import itself, run by a worker, with its progress and final report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class ImportJob(TimeStampedModel):
    class Kind(models.TextChoices):
        ORGANISATIONS = "organisations", _("Organisations")
        PROJECTS = "projects", _("Delivered projects")
        CONTACTS = "contacts", _("Customer contacts")
        ASSETS = "assets", _("Installed assets")
        WARRANTIES = "warranties", _("Warranties")
        TICKETS = "tickets", _("Open tickets")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Ready to import")
        INVALID = "invalid", _("Has errors")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True, help_text=_("Rows per verdict."))
    verdicts = models.JSONField(_("verdicts"), default=list, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def has_errors(self) -> bool:
        return bool(self.counts.get("error"))

    @property
    def can_start(self) -> bool:
        return self.status == self.Status.PREVIEWED and not self.has_errors
