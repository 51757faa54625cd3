"""The hotline numbers in an email's footer (``templates/notifications/email/_footer.txt``):
the reader's organisation's, or the desk's, filled per kind of reader after rendering
(``telling._Texts``).

The numbers belong to ``customers``, an app beside ``notifications`` that it may not import:
the roof registers the customers' selector at start-up (``servicedesk.apps``)."""

from collections.abc import Callable

from django.utils.translation import gettext as _

# the footer's marker, as ``telling.mark("hotline")`` makes it: the reader's numbers, or the
# old line without any
HOTLINE = "\ue000hotline\ue001"
# the other emails' closing lines (``_hotline.txt``): "--" and the numbers, or nothing without any
HOTLINE_LINES = "\ue000hotline_lines\ue001"


class _Hotlines:
    """A source takes an organisation id (``None``: the desk's) and answers the numbers to show,
    items with ``label``, ``number`` and ``hours``; without one the footer says the old line."""

    source: Callable[[int | None], list] | None = None


HOTLINES = _Hotlines()


def register_hotlines(source: Callable[[int | None], list]) -> None:
    HOTLINES.source = source


def hotline_text(organisation_id: int | None, *, fallback: bool = True) -> str:
    """The footer's hotline line in the active language; without numbers the old line, or
    nothing (``fallback`` false)."""
    numbers = HOTLINES.source(organisation_id) if HOTLINES.source is not None else []
    if not numbers:
        return _("Service hotline: round the clock, every day.") if fallback else ""
    return _("Service hotline: %(numbers)s") % {
        "numbers": "; ".join(f"{n.number} ({n.label}, {n.hours})" for n in numbers)
    }


def hotline_texts(organisation_id: int | None) -> dict[str, str]:
    """What each marker becomes for a reader of this organisation, in the active language."""
    line = hotline_text(organisation_id, fallback=False)
    return {
        HOTLINE: line or _("Service hotline: round the clock, every day."),
        HOTLINE_LINES: f"--\n{line}\n" if line else "",
    }
