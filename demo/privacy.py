"""Personal data for ``seed_demo``: a departed contact of East Bay Water, already erased, who
reported one of the organisation's old closed tickets (it stays, under "Erased contact <id>"),
and one completed retention run (with the demo's settings, retention is off: it removed
nothing).

The departed contact takes over the reporting of the oldest closed ticket of the history (when
the history is there), so no clock, notice or survey of today is made. Idempotent: an erased
contact of the organisation is made once; the run once.
"""

from accounts.models import User
from customers import services as customer_services
from customers.models import Organisation
from privacy.models import RetentionRun
from privacy.services.erasure import contact_erase
from privacy.services.retention import retention_apply
from tickets.models import Ticket


def seed_privacy(admin: User) -> int:
    created = 0
    organisation = Organisation.objects.filter(contacts__username="alice").first()
    if (
        organisation is not None
        and not User.objects.filter(organisation=organisation, username__startswith="erased-").exists()
    ):
        departed = customer_services.contact_create(
            organisation=organisation,
            username="departed.chen",
            password=None,
            first_name="Jun",
            last_name="Chen",
            email="jun.chen@eastbay-water.example",
            phone="+86 138 0000 0042",
            job_title="Night shift operator",
        )
        old = Ticket.objects.filter(organisation=organisation, status=Ticket.Status.CLOSED).order_by("closed_at", "pk")
        Ticket.objects.filter(pk__in=old.values("pk")[:1]).update(reporter=departed)
        contact_erase(user=departed, actor=admin)
        created += 1
    if not RetentionRun.objects.exists():
        retention_apply()
        created += 1
    return created
