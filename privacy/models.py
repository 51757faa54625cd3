"""What the retention task did: one row per run (docs/personal-data.md)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionRun(models.Model):
    """One run of the retention policy (the daily beat task or ``apply_retention``): when it ran,
    what it removed, how many bytes it freed and what went wrong. A dry run is recorded too, so
    an administrator can see what the next real run would remove."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    dry_run = models.BooleanField(_("dry run"), default=False, editable=False)
    attachment_days = models.PositiveIntegerField(
        _("attachments kept (days)"), null=True, blank=True, editable=False, help_text=_("Empty: kept forever.")
    )
    original_email_days = models.PositiveIntegerField(
        _("original emails kept (days)"), null=True, blank=True, editable=False, help_text=_("Empty: kept forever.")
    )
    attachments_removed = models.PositiveIntegerField(_("attachments removed"), default=0, editable=False)
    original_emails_removed = models.PositiveIntegerField(_("original emails removed"), default=0, editable=False)
    bytes_freed = models.PositiveBigIntegerField(_("bytes freed"), default=0, editable=False)
    errors = models.JSONField(_("errors"), default=list, blank=True, editable=False)
    removed = models.JSONField(
        _("removed"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("What was removed: the kind, the ticket's reference and the file's name."),
    )

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"

    @property
    def removed_anything(self) -> bool:
        return bool(self.attachments_removed or self.original_emails_removed)
