"""The permission matrix's rows for the emergency clock from the first call (issue 22): the
acknowledgement of an unanswered incident's escalation, on the page, by the link and by the API."""

import datetime
from typing import Any

from django.utils import timezone

from emergency import services
from emergency.services.deadlines import _breach
from tests.security.matrix_rows import Row, everyone, signed_in

ROWS: list[Row] = [
    # staff acknowledge (the page answers with a redirect and a message either way); a customer
    # may not, and another organisation's customer does not see the incident
    Row(
        "emergency:acknowledge",
        "post",
        signed_in(302, 302, customer_a=403, customer_b=404),
        args=["escalating_incident_a"],
        data={},
    ),
    # the link of a breach or escalation message: a made-up token is a 400 whoever opens it
    Row("emergency:acknowledge_link", "get", everyone(400), args=["token"]),
    Row("emergency:acknowledge_link", "post", everyone(400), args=["token"], data={}),
    # the first staff member takes it; after that nothing is escalating any more
    Row(
        "incident-acknowledge",
        "post",
        signed_in(400, 401, customer_a=403, customer_b=404, engineer=200),
        args=["escalating_incident_a"],
        data={},
        api=True,
    ),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """Organisation A's incident reported by its customer and never answered: its response
    target breached, its escalation not acknowledged yet."""
    incident = services.incident_create(
        actor=base["users"]["customer_a"],
        project=base["project_a"],
        title="Zephyr incident A unanswered",
        symptoms="Zephyr incident A: nobody called back",
    )
    _breach(incident.pk, "response", timezone.now() + datetime.timedelta(days=1))
    return {"escalating_incident_a": incident}
