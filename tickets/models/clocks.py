"""The SLA clocks of each ticket, and the escalation steps they fired."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models.calendars import BusinessCalendar
from tickets.models.common import Metric
from tickets.models.policies import EscalationStep
from tickets.models.tickets import Ticket


class SLAClock(models.Model):
    """One SLA metric of one ticket.

    ``due_at = calendar.add(started_at, target + paused)`` where ``paused`` is the working time
    spent paused (waiting on the customer). It is always stored, so "what is due next" is an
    index scan. ``version`` changes with every move, so a
    deadline task that was queued for an older due moment can tell it is stale.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    target_minutes = models.PositiveIntegerField()
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0, help_text="working seconds spent paused, all pauses together")
    stopped_at = models.DateTimeField(null=True, blank=True)
    working_seconds = models.BigIntegerField(
        null=True, blank=True, help_text="working seconds from start to stop, pauses left out; set when it stops"
    )
    breached_at = models.DateTimeField(null=True, blank=True)
    cycle = models.PositiveSmallIntegerField(
        default=1, help_text="the ticket's SLA cycle this run belongs to: 1, and one more at each reopening"
    )
    earlier_breaches = models.PositiveIntegerField(
        default=0,
        help_text="breaches of this metric on this ticket before the current run (earlier update intervals, "
        "earlier cycles): a breach stays counted when the clock restarts",
    )
    cancelled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="stopped because its ticket was merged into another before the clock was decided: "
        "neither met nor breached, left out of the reports (stopped_at is the same moment)",
    )
    version = models.PositiveIntegerField(default=1)
    # deadline enforcement (tickets/deadlines.py)
    warn_percent = models.PositiveSmallIntegerField(null=True, blank=True, help_text="the policy's, at the start")
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalation_policy = models.ForeignKey(
        "EscalationPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_position = models.PositiveIntegerField(default=0, help_text="steps taken, all repetitions together")
    escalation_next_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="one_clock_per_ticket_metric")]
        indexes = [
            # running clocks ordered by due: "breaching within an hour"
            models.Index(
                fields=["due_at"], name="sla_running_due", condition=Q(stopped_at__isnull=True, paused_at__isnull=True)
            ),
            models.Index(fields=["ticket", "due_at"], name="sla_ticket_due"),
            # the watchdog's three questions: who breaches, who is warned, whose escalation moves next
            models.Index(
                fields=["due_at"],
                name="sla_watch_due",
                condition=Q(stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_watch_warn",
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, warned_at__isnull=True
                ),
            ),
            models.Index(
                fields=["escalation_next_at"],
                name="sla_watch_escalation",
                condition=Q(escalation_next_at__isnull=False),
            ),
            # the dashboard's breaches, the latest due first (reports.selectors.breaches): its first
            # page walks this index instead of sorting every breached clock of the period
            models.Index(fields=["-due_at", "-id"], name="sla_latest_due"),
            # the reports' "ever breached": the few clocks that breached in an earlier run
            models.Index(fields=["ticket"], name="sla_earlier_breaches", condition=Q(earlier_breaches__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None

    @property
    def breaches(self) -> int:
        """Every breach of this metric on the ticket, the current run's included."""
        return self.earlier_breaches + (1 if self.breached_at is not None else 0)


class SLACycle(models.Model):
    """One metric of one finished SLA cycle of a ticket, kept when the ticket is reopened: the
    cycle's last run of the clock as it stood (started, due, stopped, breached) and how many
    times the metric breached in that cycle (an update target can breach once per interval).
    The current cycle is in the clocks themselves (``SLAClock.cycle``)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_cycles")
    number = models.PositiveSmallIntegerField(_("cycle"))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    target_minutes = models.PositiveIntegerField(_("target (minutes)"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    breaches = models.PositiveIntegerField(_("breaches"), default=0)
    working_seconds = models.BigIntegerField(null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), help_text=_("When the ticket was reopened."))

    class Meta:
        verbose_name = _("SLA cycle")
        verbose_name_plural = _("SLA cycles")
        ordering = ["ticket", "number", "metric"]
        constraints = [models.UniqueConstraint(fields=["ticket", "number", "metric"], name="one_cycle_row_per_metric")]

    def __str__(self) -> str:
        return f"{self.ticket_id} #{self.number} {self.metric}"


class EscalationFire(models.Model):
    """One step of one repetition taken for one run of a clock. The unique constraint is the
    exactly-once guard: two workers, a retried task and the watchdog cannot all take it."""

    clock = models.ForeignKey(SLAClock, on_delete=models.CASCADE, related_name="escalations")
    clock_started_at = models.DateTimeField()
    step = models.ForeignKey(EscalationStep, on_delete=models.CASCADE, related_name="+")
    repetition = models.PositiveSmallIntegerField()
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "clock_started_at", "step", "repetition"], name="escalation_step_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clock} {self.step_id} #{self.repetition}"
