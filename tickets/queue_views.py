"""The queue's views: the one owner of what a view's filters, columns and sort may hold, how the
queue's URL parameters read as filters, and which tickets a view holds (the page, the API's
``?view=`` and ``?queue_view=``, and the counts in the navigation all ask here).

A view's filters are a JSON object with any of these keys::

    {"statuses": ["new", ...], "priorities": ["urgent", ...], "organisations": [1, ...],
     "projects": [3, ...], "assignee": "me" | "unassigned" | <user id>, "team": <team id>,
     "sla": "breaching" | "breached", "categories": ["fault", ...], "channels": ["email", ...],
     "q": "text"}

No statuses means the open ones (the queue's default); everything else absent means "any".
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from tickets.models import Priority, QueueView, Ticket
from tickets.selectors import breached_clocks, breaching_within_an_hour, ticket_list

# --- what a view may hold -----------------------------------------------------------------

# filter key -> the page's URL parameter of the same filter
PARAMS = {
    "statuses": "status",
    "priorities": "priority",
    "organisations": "organisation",
    "projects": "project",
    "assignee": "assignee",
    "team": "team",
    "sla": "sla",
    "categories": "category",
    "channels": "channel",
    "q": "q",
}
CHOICE_LISTS = {
    "statuses": Ticket.Status,
    "priorities": Priority,
    "categories": Ticket.Category,
    "channels": Ticket.Channel,
}
ID_LISTS = ("organisations", "projects")
SLA_STATES = {"breaching": gettext_lazy("Breaching within an hour"), "breached": gettext_lazy("Breached")}
MAX_TEXT = 200
MAX_VALUES = 100

COLUMNS = {
    "reference": gettext_lazy("Reference"),
    "title": gettext_lazy("Title"),
    "organisation": gettext_lazy("Organisation"),
    "project": gettext_lazy("Project"),
    "priority": gettext_lazy("Priority"),
    "status": gettext_lazy("Status"),
    "assignee": gettext_lazy("Assignee"),
    "team": gettext_lazy("Team"),
    "sla": gettext_lazy("SLA"),
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
}
DEFAULT_COLUMNS = ["reference", "title", "organisation", "priority", "status", "assignee", "sla"]
# the columns that need a related row joined on the page
COLUMN_RELATED = {"organisation": "organisation", "project": "project", "assignee": "assignee", "team": "team"}

SORTS = {
    "due": gettext_lazy("Nearest due moment"),
    "priority": gettext_lazy("Priority"),
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "reference": gettext_lazy("Reference"),
    "status": gettext_lazy("Status"),
}
DEFAULT_SORT = "due"

# the five fixed views of the queue (``?view=mine`` ...): presets of one filter each
BUILT_IN = {
    "": (gettext_lazy("All open"), {}),
    "mine": (gettext_lazy("Mine"), {"assignee": "me"}),
    "unassigned": (gettext_lazy("Unassigned"), {"assignee": "unassigned"}),
    "breaching": (gettext_lazy("Breaching within an hour"), {"sla": "breaching"}),
    "breached": (gettext_lazy("Breached"), {"sla": "breached"}),
}


_MAX_ID = 2**31 - 1  # the largest id a column of the desk holds (a larger one is no row, not an error)


def _whole(value: Any) -> int | None:
    """An id: a positive whole number (or its digits), else ``None``."""
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= _MAX_ID else None


def validate_filters(filters: Any) -> dict[str, Any]:
    """The filters in their stored form, or a ``ValidationError`` on ``filters`` naming what is wrong."""
    if filters in (None, ""):
        return {}
    if not isinstance(filters, Mapping):
        raise ValidationError({"filters": _("Filters are an object of filter names and values.")})
    unknown = sorted(set(filters) - set(PARAMS))
    if unknown:
        message = _("Unknown filter: %(names)s. Known: %(known)s.")
        raise ValidationError(
            {"filters": message % {"names": ", ".join(map(str, unknown)), "known": ", ".join(PARAMS)}}
        )
    clean: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, "", []):
            continue
        if key in CHOICE_LISTS or key in ID_LISTS:
            values = value if isinstance(value, list) else [value]
            if len(values) > MAX_VALUES:
                raise ValidationError(
                    {"filters": _("%(key)s: at most %(count)d values.") % {"key": key, "count": MAX_VALUES}}
                )
            if key in CHOICE_LISTS:
                allowed = CHOICE_LISTS[key].values
                wrong = [str(item) for item in values if item not in allowed]
                if wrong:
                    message = _("%(key)s: %(wrong)s is not one of %(allowed)s.")
                    raise ValidationError(
                        {"filters": message % {"key": key, "wrong": ", ".join(wrong), "allowed": ", ".join(allowed)}}
                    )
                clean[key] = list(dict.fromkeys(values))
            else:
                ids = [_whole(item) for item in values]
                if None in ids:
                    raise ValidationError({"filters": _("%(key)s: a list of ids.") % {"key": key}})
                clean[key] = list(dict.fromkeys(ids))
        elif key == "assignee":
            if isinstance(value, str) and value in ("me", "unassigned"):
                clean[key] = value
            elif _whole(value) is not None:
                clean[key] = _whole(value)
            else:
                raise ValidationError({"filters": _('assignee: "me", "unassigned" or a user id.')})
        elif key == "team":
            if _whole(value) is None:
                raise ValidationError({"filters": _("team: a team id.")})
            clean[key] = _whole(value)
        elif key == "sla":
            if not isinstance(value, str) or value not in SLA_STATES:
                raise ValidationError({"filters": _('sla: "breaching" or "breached".')})
            clean[key] = value
        elif key == "q":
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise ValidationError({"filters": _("q: text of at most %(count)d characters.") % {"count": MAX_TEXT}})
            if value.strip():
                clean[key] = value.strip()
    return clean


def validate_columns(columns: Any) -> list[str]:
    if columns in (None, []):
        return list(DEFAULT_COLUMNS)
    if not isinstance(columns, list) or not all(isinstance(item, str) for item in columns):
        raise ValidationError({"columns": _("Columns are a list of column names.")})
    wrong = [item for item in columns if item not in COLUMNS]
    if wrong:
        message = _("Unknown column: %(names)s. Known: %(known)s.")
        raise ValidationError({"columns": message % {"names": ", ".join(wrong), "known": ", ".join(COLUMNS)}})
    if "reference" not in columns and "title" not in columns:
        raise ValidationError({"columns": _("Show the reference or the title: they link to the ticket.")})
    return list(dict.fromkeys(columns))


def validate_sort(sort: Any) -> str:
    if sort in (None, ""):
        return DEFAULT_SORT
    if not isinstance(sort, str) or sort.removeprefix("-") not in SORTS:
        message = _("Sort by one of %(known)s, with a leading - for descending.")
        raise ValidationError({"sort": message % {"known": ", ".join(SORTS)}})
    return sort


# --- the URL parameters -------------------------------------------------------------------


def filters_from_params(params) -> dict[str, Any]:
    """The filters a query string asks for (``?status=new&status=acknowledged&assignee=me``);
    a value that is not allowed is a ``ValidationError``."""
    raw: dict[str, Any] = {}
    for key, name in PARAMS.items():
        values = [value for value in params.getlist(name) if value != ""]
        if not values:
            continue
        raw[key] = values if key in CHOICE_LISTS or key in ID_LISTS else values[-1]
    return validate_filters(raw)


def params_from_filters(filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key, name in PARAMS.items():
        value = filters.get(key)
        if value in (None, "", []):
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, str(item)))
    return pairs


# --- which tickets a view holds -----------------------------------------------------------


def filters_q(filters: Mapping[str, Any], *, user: User, now: datetime.datetime) -> Q:
    """The filters as one condition on tickets (no statuses: the open ones)."""
    condition = Q(status__in=filters.get("statuses") or list(Ticket.OPEN_STATUSES))
    for key, lookup in (
        ("priorities", "priority__in"),
        ("organisations", "organisation__in"),
        ("projects", "project__in"),
        ("categories", "category__in"),
        ("channels", "channel__in"),
        ("team", "team"),
    ):
        if filters.get(key):
            condition &= Q(**{lookup: filters[key]})
    assignee = filters.get("assignee")
    if assignee == "me":
        condition &= Q(assignee=user)
    elif assignee == "unassigned":
        condition &= Q(assignee__isnull=True)
    elif assignee:
        condition &= Q(assignee=assignee)
    if filters.get("sla") == "breaching":
        condition &= breaching_within_an_hour(now)
    elif filters.get("sla") == "breached":
        condition &= Q(Exists(breached_clocks().filter(ticket=OuterRef("pk"))))
    if filters.get("q"):
        condition &= Q(reference__icontains=filters["q"]) | Q(title__icontains=filters["q"])
    return condition


_PRIORITY_RANK = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(reversed(Priority.values))),
    output_field=IntegerField(),
)


def order(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    """The tickets in the view's sort, ties broken by the id (so that pages neither repeat nor skip)."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key == "due":
        due = F("next_due_at").desc(nulls_last=True) if descending else F("next_due_at").asc(nulls_last=True)
        return queryset.order_by(due, "-received_at", "-pk")
    sign = "-" if descending else ""
    if key == "priority":
        # urgent first when ascending ("most important first")
        queryset = queryset.alias(priority_rank=_PRIORITY_RANK)
        return queryset.order_by(f"{sign}priority_rank", F("next_due_at").asc(nulls_last=True), "-pk")
    field_name = {"created": "received_at", "updated": "updated_at", "reference": "reference", "status": "status"}[key]
    return queryset.order_by(f"{sign}{field_name}", f"{sign}pk")


@dataclass
class Shown:
    """What the queue shows: the view (a built-in key or a saved view), its filters, columns, sort."""

    key: str
    name: str
    filters: dict[str, Any]
    columns: list[str]
    sort: str
    saved: Any = None  # the QueueView, for a saved one
    preset: dict[str, Any] = field(default_factory=dict)  # a built-in view's own filter


def visible_views(*, user: User) -> QuerySet:
    """The saved views the user may use: their own and those shared with their teams."""
    if not user.is_authenticated or not user.is_staff_member:
        return QueueView.objects.none()
    mine = Q(owner=user) | Q(team__in=user.teams.values("pk"))
    return QueueView.objects.filter(mine).select_related("owner", "team").order_by("position", "name", "pk")


def view_get(*, user: User, pk: Any):
    """A saved view the user may use, or ``None``."""
    pk = _whole(pk)
    if pk is None:
        return None
    return visible_views(user=user).filter(pk=pk).first()


def shown_for(*, user: User, key: str) -> Shown | None:
    """The view ``?view=`` names: a built-in name or a saved view's id; ``None`` if unknown."""
    if key in BUILT_IN:
        name, preset = BUILT_IN[key]
        return Shown(
            key=key,
            name=str(name),
            filters=dict(preset),
            columns=list(DEFAULT_COLUMNS),
            sort=DEFAULT_SORT,
            preset=dict(preset),
        )
    saved = view_get(user=user, pk=key)
    if saved is None:
        return None
    return Shown(
        key=str(saved.pk),
        name=saved.name,
        filters=dict(saved.filters),
        columns=list(saved.columns or DEFAULT_COLUMNS),
        sort=saved.sort or DEFAULT_SORT,
        saved=saved,
    )


def view_tickets(queryset: QuerySet[Ticket], *, user: User, filters: Mapping[str, Any], sort: str) -> QuerySet[Ticket]:
    """The user's tickets (``queryset``, already scoped) that the filters hold, in the sort."""
    return order(queryset.filter(filters_q(filters, user=user, now=timezone.now())), sort)


# --- counts for the navigation ------------------------------------------------------------

NAV_SECONDS = 30
_GENERATION = "queue-views:generation"


def forget_counts() -> None:
    """A view was saved or deleted: every user's cached list is read again on its next page."""
    try:
        cache.incr(_GENERATION)
    except ValueError:
        cache.set(_GENERATION, 1, None)


def _nav_key(user: User) -> str:
    return f"queue-views:nav:{user.pk}:{cache.get(_GENERATION, 0)}"


def nav_cached(*, user: User) -> list[dict] | None:
    """The navigation's views with their counts if they were read in the last ``NAV_SECONDS``."""
    return cache.get(_nav_key(user))


def _counted(user: User, views: list) -> QuerySet[Ticket]:
    """The tickets the counts look at: the user's, in the statuses some view holds (the open
    ones unless a view asks for others: the queue's partial index then serves the count)."""
    statuses = set(Ticket.OPEN_STATUSES)
    for view in views:
        statuses.update(view.filters.get("statuses") or [])
    return ticket_list(user=user).filter(status__in=sorted(statuses)).order_by()


def nav_views(*, user: User, saved: list | None = None) -> list[dict]:
    """The built-in and saved views with how many tickets each holds: one query for the views
    (unless given) and one for every count, kept ``NAV_SECONDS`` per user."""
    key = _nav_key(user)
    cached = cache.get(key)
    if cached is not None:
        return cached
    saved = list(visible_views(user=user)) if saved is None else saved
    now = timezone.now()
    counts: dict[str, Any] = {
        f"b_{name or 'all'}": Count("pk", filter=filters_q(preset, user=user, now=now))
        for name, (_label, preset) in BUILT_IN.items()
    }
    counts.update({f"s_{view.pk}": Count("pk", filter=filters_q(view.filters, user=user, now=now)) for view in saved})
    numbers = _counted(user, saved).aggregate(**counts)
    entries = [{"key": name, "name": "", "count": numbers[f"b_{name or 'all'}"], "shared": False} for name in BUILT_IN]
    entries += [
        {"key": str(view.pk), "name": view.name, "count": numbers[f"s_{view.pk}"], "shared": view.team_id is not None}
        for view in saved
    ]
    cache.set(key, entries, NAV_SECONDS)
    return entries


def view_counts(views: list, *, user: User) -> dict[int, int]:
    """How many tickets each saved view holds, in one query (the API's list)."""
    if not views:
        return {}
    now = timezone.now()
    counts = {f"s_{view.pk}": Count("pk", filter=filters_q(view.filters, user=user, now=now)) for view in views}
    numbers = _counted(user, views).aggregate(**counts)
    return {view.pk: numbers[f"s_{view.pk}"] for view in views}


# --- the API's ?view= and ?queue_view= ----------------------------------------------------

VIEW_HELP = (
    "A view of the queue: mine, unassigned, breaching, breached, or a saved view's id "
    "(its filters and, without ?ordering=, its sort). Unfiltered by status, a view holds the open tickets."
)
QUEUE_VIEW_HELP = (
    "A saved view's id (/api/v1/queue-views/): the tickets it holds, in its sort unless ?ordering= is given."
)


def api_filter(
    queryset: QuerySet[Ticket], *, user: User, key: str, name: str, ordered: bool, statuses_asked: bool = False
) -> QuerySet[Ticket]:
    """``/api/v1/tickets/?view=`` and ``?queue_view=``: the same tickets as the queue page shows
    for the view (``view_tickets``); an unknown view is a 400. With ``?status=`` asked, a view
    without statuses of its own leaves the statuses to it (not the open ones only)."""
    from rest_framework.exceptions import ValidationError as InputError

    shown = shown_for(user=user, key=key) if name == "view" or key not in BUILT_IN else None
    if shown is None or (name == "queue_view" and shown.saved is None):
        raise InputError(
            {name: [_("No such view: use mine, unassigned, breaching, breached or the id of one of your views.")]}
        )
    filters = shown.filters
    if statuses_asked and not filters.get("statuses"):
        filters = {**filters, "statuses": list(Ticket.Status.values)}
    tickets = queryset.filter(filters_q(filters, user=user, now=timezone.now()))
    return tickets if ordered else order(tickets, shown.sort)


def nav_entries(entries: list[dict]) -> list[dict]:
    """The kept entries with their labels in the reader's language and their links."""
    base = reverse("tickets:list")
    labelled = []
    for entry in entries:
        label = entry["name"] or str(BUILT_IN.get(entry["key"], ("?", {}))[0])
        url = base + ("?" + urlencode({"view": entry["key"]}) if entry["key"] else "")
        labelled.append({**entry, "label": label, "url": url})
    return labelled
