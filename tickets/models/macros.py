"""Macros: canned replies in English and Chinese, with the actions applied with them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from tickets.models.common import Priority
from tickets.models.tickets import Ticket


class Macro(TimeStampedModel):
    """A canned reply: its text in both languages (placeholders such as ``{{ ticket.reference }}``
    filled for the ticket's reader, ``tickets.macro_text``), who may use it (its owner, a
    team, the whole desk) and what applying it also does to the ticket."""

    class Scope(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        TEAM = "team", _("Team")
        DESK = "desk", _("Whole desk")

    class Assignment(models.TextChoices):
        KEEP = "", _("Leave the assignee")
        APPLIER = "applier", _("Assign to whoever applies it")
        USER = "user", _("Assign to a named engineer")

    name = models.CharField(_("name"), max_length=120)
    body_en = models.TextField(_("text in English"), blank=True)
    body_zh_hans = models.TextField(_("text in Chinese"), blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.PERSONAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        verbose_name=_("owner"),
        help_text=_("A personal macro's owner: only they see and use it."),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        verbose_name=_("team"),
        help_text=_("A team macro's team: its members use it."),
    )
    public = models.BooleanField(
        _("public reply"), default=True, help_text=_("Unticked: the text goes as an internal note.")
    )
    set_status = models.CharField(_("set the status"), max_length=24, choices=Ticket.Status.choices, blank=True)
    set_priority = models.CharField(_("set the priority"), max_length=10, choices=Priority.choices, blank=True)
    assignment = models.CharField(
        _("assignment"), max_length=10, choices=Assignment.choices, default=Assignment.KEEP, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
        help_text=_("Who the ticket is assigned to, when the assignment names an engineer."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(name="macro_has_a_body", condition=~Q(body_en="", body_zh_hans="")),
            models.CheckConstraint(
                name="macro_scope_fits",
                condition=Q(scope="personal", owner__isnull=False, team__isnull=True)
                | Q(scope="team", team__isnull=False, owner__isnull=True)
                | Q(scope="desk", owner__isnull=True, team__isnull=True),
            ),
            models.CheckConstraint(
                name="macro_assignee_named",
                condition=~Q(assignment="user") | Q(assignee__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["scope", "is_active"], name="macro_scope_active")]

    def clean(self) -> None:
        errors = {}
        if not (self.body_en or "").strip() and not (self.body_zh_hans or "").strip():
            errors["body_en"] = _("Write the text in English, in Chinese, or both.")
        if self.scope == self.Scope.TEAM and not self.team_id:
            errors["team"] = _("Choose the team that uses this macro.")
        if self.assignment == self.Assignment.USER and not self.assignee_id:
            errors["assignee"] = _("Choose the engineer the ticket is assigned to.")
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return self.name
