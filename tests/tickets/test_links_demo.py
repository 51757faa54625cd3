"""The demo's merge and links (demo/links.py): made by seed_demo, once."""

import pytest
from django.core.management import call_command

from emergency.models import IncidentTicketLink
from tickets.models import Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db


def test_seed_demo_links_tickets_and_merges_one_once():
    call_command("seed_demo", verbosity=0)
    counts = (
        TicketLink.objects.count(),
        IncidentTicketLink.objects.count(),
        Ticket.objects.filter(merged_into__isnull=False).count(),
        TicketEvent.objects.filter(kind__in=["linked", "unlinked", "merged", "merged_in"]).count(),
    )
    assert counts[:3] == (3, 3, 1)
    assert set(TicketLink.objects.values_list("kind", flat=True)) == {"duplicate_of", "related_to", "caused_by"}
    merged = Ticket.objects.get(merged_into__isnull=False)
    assert merged.status == "closed" and merged.merged_into_id is not None
    call_command("seed_demo", verbosity=0)
    assert (
        TicketLink.objects.count(),
        IncidentTicketLink.objects.count(),
        Ticket.objects.filter(merged_into__isnull=False).count(),
        TicketEvent.objects.filter(kind__in=["linked", "unlinked", "merged", "merged_in"]).count(),
    ) == counts
