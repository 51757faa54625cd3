"""What the wings above parts ask to be told, registered at start-up (``AppConfig.ready``), so
that parts imports none of them: maintenance bills a part issued to a ticket that is not
covered.

``register_issued(handler)``: ``handler(movement)`` runs in the transaction that issues parts to
a ticket, after the stock is written; an error it raises undoes the issue.
"""

from collections.abc import Callable

from parts.models import Movement

Handler = Callable[[Movement], None]
_issued: list[Handler] = []


def register_issued(handler: Handler) -> None:
    if handler not in _issued:
        _issued.append(handler)


def issued(movement: Movement) -> None:
    for handler in _issued:
        handler(movement)
