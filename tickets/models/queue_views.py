"""Saved views of the queue: a user's own, or shared with a team."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class QueueView(TimeStampedModel):
    """Filters, columns and a sort under a name. The rules of what each may hold are
    ``tickets.queue_views`` (checked in ``clean``); the tickets a view holds are read there too."""

    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_views", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="queue_views",
        verbose_name=_("shared with team"),
        help_text=_("Empty: only the owner sees the view."),
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    sort = models.CharField(_("sort"), max_length=20, default="due")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name", "pk"]
        verbose_name = _("queue view")
        verbose_name_plural = _("queue views")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="queue_view_owner_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from tickets.queue_views import validate_columns, validate_filters, validate_sort

        self.filters = validate_filters(self.filters)
        self.columns = validate_columns(self.columns)
        self.sort = validate_sort(self.sort)
