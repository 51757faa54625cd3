"""The service archive's entries as people read them, for its page, CSV and PDF: the moment
(a date alone for the all-day kinds), the kind's name, the detail in words and, on the page,
the link to the object when the reader may open it."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from emergency.models import Grade
from maintenance.models import Coverage, Decision, Inspection, Release, UpgradeNotice
from reports.archive import ALL_DAY, KINDS
from tickets.models import Ticket
from training.models import TrainingSession

BADGES = {  # Bootstrap's badge classes, one colour per kind
    "ticket": "text-bg-primary",
    "incident": "text-bg-danger",
    "inspection": "text-bg-info",
    "return_visit": "text-bg-success",
    "patch": "text-bg-secondary",
    "training": "text-bg-warning",
    "warranty_start": "text-bg-dark",
    "warranty_end": "text-bg-light border",
    "coverage": "text-bg-secondary",
}
DETAIL_CHOICES = {
    "ticket": Ticket.Status,
    "incident": Grade,
    "inspection": Inspection.Kind,
    "patch": Release.Kind,
    "training": TrainingSession.Format,
    "coverage": Decision,
}


@dataclass
class Entry:
    at: datetime.datetime
    kind: str
    id: int
    reference: str
    title: str
    detail: str
    project_id: int | None
    project_name: str
    url: str = ""

    @property
    def all_day(self) -> bool:
        return self.kind in ALL_DAY

    @property
    def day(self) -> datetime.date:
        """The day it belongs to: the UTC date of an all-day entry, else the local date."""
        return self.at.astimezone(datetime.UTC).date() if self.all_day else timezone.localtime(self.at).date()

    @property
    def when(self) -> str:
        if self.all_day:
            return self.day.isoformat()
        return timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")

    @property
    def time(self) -> str:
        """The time of day, empty for an all-day entry."""
        return "" if self.all_day else timezone.localtime(self.at).strftime("%H:%M")

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def badge(self) -> str:
        return BADGES.get(self.kind, "text-bg-secondary")


def detail_text(kind: str, detail: str | None) -> str:
    """A choice value in words; a return visit's satisfaction as "n/5"."""
    if not detail:
        return _("Not graded yet") if kind == "incident" else ""
    if kind == "return_visit":
        return f"{detail}/5"
    choices = DETAIL_CHOICES.get(kind)
    return str(choices(detail).label) if choices is not None and detail in choices.values else detail


def entry(row: dict) -> Entry:
    return Entry(
        at=row["e_at"],
        kind=row["e_kind"],
        id=row["e_id"],
        reference=row["e_reference"] or "",
        title=row["e_title"] or "",
        detail=detail_text(row["e_kind"], row["e_detail"]),
        project_id=row["e_project"],
        project_name=row["e_project_name"] or "",
    )


def entries(rows: Iterable[dict]) -> Iterator[Entry]:
    return (entry(row) for row in rows)


_URLS = {
    "ticket": "tickets:detail",
    "incident": "emergency:detail",
    "inspection": "maintenance:inspection_detail",
    "return_visit": "maintenance:return_visit_done",
    "training": "training:session_detail",
    "warranty_start": "maintenance:warranty_detail",
    "warranty_end": "maintenance:warranty_detail",
}


def linked(page: Iterable[dict], user: User) -> list[Entry]:
    """The entries of one page with the links to their objects' pages the user may open (the
    archive is already one the user may see; return visits are staff's only). A patch links
    to its release and a coverage decision to its ticket: one query each, when on the page."""
    result = [entry(row) for row in page]
    notices = [item.id for item in result if item.kind == "patch"]
    coverages = [item.id for item in result if item.kind == "coverage"]
    releases = dict(UpgradeNotice.objects.filter(pk__in=notices).values_list("pk", "release_id")) if notices else {}
    tickets = dict(Coverage.objects.filter(pk__in=coverages).values_list("pk", "ticket_id")) if coverages else {}
    for item in result:
        if item.kind == "patch" and item.id in releases:
            item.url = reverse("maintenance:release_detail", args=[releases[item.id]])
        elif item.kind == "coverage" and item.id in tickets:
            item.url = reverse("tickets:detail", args=[tickets[item.id]])
        elif item.kind == "return_visit" and not user.is_staff_member:
            continue
        elif item.kind in _URLS:
            item.url = reverse(_URLS[item.kind], args=[item.id])
    return result


def by_day(items: Iterable[Entry]) -> list[tuple[datetime.date, list[Entry]]]:
    """Consecutive entries of the same day together, in the order given."""
    days: list[tuple[datetime.date, list[Entry]]] = []
    for item in items:
        if days and days[-1][0] == item.day:
            days[-1][1].append(item)
        else:
            days.append((item.day, [item]))
    return days
