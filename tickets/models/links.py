"""Links between tickets: one is a duplicate of another, caused by another, or related to it.

A link is stored once, from ``source`` to ``target``; each side reads it in its own words
(``TicketLink.wording``): a duplicate of / has a duplicate, caused by / causes, related to.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tickets.models.tickets import Ticket


class TicketLink(models.Model):
    class Kind(models.TextChoices):
        DUPLICATE_OF = "duplicate_of", _("Duplicate of")
        RELATED_TO = "related_to", _("Related to")
        CAUSED_BY = "caused_by", _("Caused by")

    # how the target reads the link back to the source
    REVERSE_LABELS = {
        Kind.DUPLICATE_OF: _("Has duplicate"),
        Kind.RELATED_TO: _("Related to"),
        Kind.CAUSED_BY: _("Causes"),
    }

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out", verbose_name=_("ticket"))
    target = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_in", verbose_name=_("linked ticket")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by")
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="one_link_per_ticket_pair"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="no_ticket_self_link"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"

    def wording(self, side: Ticket | int) -> str:
        """The link as ``side`` (one of its two tickets) reads it: "Duplicate of" from the
        source, "Has duplicate" from the target."""
        side_id = side if isinstance(side, int) else side.pk
        if side_id == self.source_id:
            return str(self.Kind(self.kind).label)
        return str(self.REVERSE_LABELS[self.Kind(self.kind)])

    def other(self, side: Ticket | int) -> Ticket:
        side_id = side if isinstance(side, int) else side.pk
        return self.target if side_id == self.source_id else self.source
