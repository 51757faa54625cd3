"""The queue page: the filter bar (dropdowns and removable chips), the built-in and saved views,
saving, changing and deleting a view; the customer's list of their organisation's tickets; the
navigation's list of views with their counts."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Value
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Team, TeamMembership, User
from core.errors import ServiceDeskError
from core.pages import form_error, staff_only
from customers.models import Project
from tickets import queue_views, selectors, services, sla
from tickets.forms import AssignForm
from tickets.forms_queue import QueueViewEditForm, QueueViewSaveForm
from tickets.models import Priority, Ticket


def _with_clocks(tickets, now):
    for ticket in tickets:
        ticket.clock_states = [(clock, sla.clock_state(clock, now)) for clock in ticket.clocks.all()]
    return tickets


@dataclass
class QueueState:
    shown: queue_views.Shown
    filters: dict[str, Any]
    sort: str
    explicit: bool  # the filters are the query string's (not the saved view's own)
    errors: list[str]


def queue_state(params: QueryDict, *, user: User) -> QueueState:
    """What the query string asks the queue for. ``?view=`` a built-in view (its one filter on top
    of the others asked, as always) or a saved view (its filters, unless ``filtered`` says the
    query string holds them: the filter bar sends that, with ``shown``, the view it was drawn for;
    a view chosen in the bar starts from its own filters)."""
    errors = []
    shown = queue_views.shown_for(user=user, key=params.get("view", ""))
    if shown is None:
        errors.append(_("There is no such view, or it is not shared with you."))
        shown = queue_views.shown_for(user=user, key="")
    switched = "shown" in params and params.get("shown") != shown.key
    try:
        asked = {} if switched else queue_views.filters_from_params(params)
    except ValidationError as error:
        errors.extend(error.message_dict.get("filters", error.messages))
        asked = {}
    explicit = bool(params.get("filtered")) and not switched
    # a saved view's own filters, those asked on top; or those asked with a built-in view's preset
    own = shown.saved is not None and not explicit
    filters = {**shown.filters, **asked} if own else {**asked, **shown.preset}
    sort = shown.sort
    if params.get("sort") and not switched:
        try:
            sort = queue_views.validate_sort(params["sort"])
        except ValidationError as error:
            errors.extend(error.message_dict["sort"])
    return QueueState(shown=shown, filters=filters, sort=sort, explicit=explicit, errors=errors)


@dataclass
class Choices:
    organisations: list
    projects: list
    engineers: list
    teams: list


def _choices(user: User) -> Choices:
    """The filter bar's and the bulk assignment's choices, read on every request (three queries);
    the teams say whether the user may share a view with them (``shareable``)."""
    mine = TeamMembership.objects.filter(team=OuterRef("pk"), user=user)
    shareable = Value(True) if user.can_manage else Exists(mine)
    # the organisations with a project (a ticket has one), from the same rows as the projects
    rows = Project.objects.filter(organisation__is_active=True).order_by("name", "pk")
    rows = list(rows.values_list("pk", "name", "is_active", "organisation_id", "organisation__name"))
    organisations = sorted({(row[3], row[4]) for row in rows}, key=lambda pair: (pair[1], pair[0]))
    return Choices(
        organisations=organisations,
        projects=[(pk, name) for pk, name, active, *_organisation in rows if active],
        engineers=list(User.objects.staff().order_by("username")),
        teams=list(Team.objects.filter(is_active=True).annotate(shareable=shareable).order_by("name")),
    )


def _state_params(state: QueueState, filters: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [("view", state.shown.key)] if state.shown.key else []
    pairs += [("shown", state.shown.key), ("filtered", "1")]
    if state.sort != state.shown.sort:
        pairs.append(("sort", state.sort))
    return pairs + queue_views.params_from_filters(filters)


def _chips(state: QueueState, choices: Choices, user: User) -> list[dict]:
    """One chip per active filter value, each a link to the queue without that one value."""
    names = {
        "statuses": dict(Ticket.Status.choices),
        "priorities": dict(Priority.choices),
        "categories": dict(Ticket.Category.choices),
        "channels": dict(Ticket.Channel.choices),
        "organisations": dict(choices.organisations),
        "projects": dict(choices.projects),
        "team": {team.pk: team.name for team in choices.teams},
        "sla": {key: str(label) for key, label in queue_views.SLA_STATES.items()},
        "assignee": {
            "me": _("Me"),
            "unassigned": _("Unassigned"),
            **{engineer.pk: str(engineer) for engineer in choices.engineers},
        },
    }
    titles = {
        "statuses": _("Status"),
        "priorities": _("Priority"),
        "categories": _("Category"),
        "channels": _("Channel"),
        "organisations": _("Organisation"),
        "projects": _("Project"),
        "assignee": _("Assignee"),
        "team": _("Team"),
        "sla": _("SLA"),
        "q": _("Search"),
    }
    chips = []
    for key in queue_views.PARAMS:
        value = state.filters.get(key)
        if value in (None, "", []):
            continue
        for item in value if isinstance(value, list) else [value]:
            rest = dict(state.filters)
            if isinstance(value, list):
                rest[key] = [other for other in value if other != item]
            else:
                rest.pop(key)
            without = state
            if key in state.shown.preset:  # a built-in view's own filter: leave the view
                without = QueueState(**{**state.__dict__, "shown": queue_views.shown_for(user=user, key="")})
            label = names[key].get(item, str(item)) if key in names else f"“{item}”"
            chips.append(
                {
                    "title": titles[key],
                    "label": label,
                    "url": "?" + urlencode(_state_params(without, rest)),
                }
            )
    return chips


def _bar(state: QueueState, choices: Choices, nav: list[dict]) -> dict:
    """What the filter bar's template draws: each dropdown's options, which are chosen."""
    filters = state.filters

    def options(pairs, key):
        chosen = filters.get(key) or []
        chosen = chosen if isinstance(chosen, list) else [chosen]
        return [{"value": value, "label": label, "checked": value in chosen} for value, label in pairs]

    statuses = options(Ticket.Status.choices, "statuses")
    if not filters.get("statuses"):
        for option in statuses:  # the queue's default: the open ones
            option["default"] = option["value"] in Ticket.OPEN_STATUSES
    assignee = filters.get("assignee")
    return {
        "views": [{"key": entry["key"], "label": entry["label"]} for entry in nav],
        "statuses": statuses,
        "priorities": options(Priority.choices, "priorities"),
        "categories": options(Ticket.Category.choices, "categories"),
        "channels": options(Ticket.Channel.choices, "channels"),
        "organisations": options(choices.organisations, "organisations"),
        "projects": options(choices.projects, "projects"),
        "teams": options([(team.pk, team.name) for team in choices.teams], "team"),
        "engineers": [
            {"value": engineer.pk, "label": str(engineer), "checked": assignee == engineer.pk}
            for engineer in choices.engineers
        ],
        "assignee": assignee,
        "sla": filters.get("sla", ""),
        "sla_states": [{"value": key, "label": str(label)} for key, label in queue_views.SLA_STATES.items()],
        "q": filters.get("q", ""),
        "sorts": [
            {"value": f"{sign}{key}", "label": f"{label} {arrow}"}
            for key, label in queue_views.SORTS.items()
            for sign, arrow in (("", "↑"), ("-", "↓"))
        ],
        "sort": state.sort,
        "customer_count": len(filters.get("organisations", [])) + len(filters.get("projects", [])),
        "more_count": len(filters.get("categories", [])) + len(filters.get("channels", [])),
        "multiple": {
            key: isinstance(filters.get(key), list) and len(filters[key]) > 1 for key in ("organisations", "projects")
        },
    }


# the bulk assignment's fields as HTML, per process, under the language and their choices
_assign_html: dict[tuple, str] = {}
_KEPT = 64


def _assign_fields(choices: Choices) -> str:
    """Rendering the selects of engineers and teams cost milliseconds a page: kept under the
    language and the choices as they are now (read on every request), never stale."""
    form = AssignForm()
    pairs = (
        tuple((user.pk, str(user)) for user in choices.engineers),
        tuple((team.pk, str(team)) for team in choices.teams),
    )
    key = (translation.get_language(), pairs)
    html = _assign_html.get(key)
    if html is None:
        form.fields["assignee"].choices = [("", form.fields["assignee"].empty_label), *pairs[0]]
        form.fields["team"].choices = [("", form.fields["team"].empty_label), *pairs[1]]
        html = render_to_string("tickets/_queue_assign.html", {"assign_form": form})
        if len(_assign_html) >= _KEPT:
            _assign_html.clear()
        _assign_html[key] = html
    return html


def _customer_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    tickets = selectors.ticket_list(user=request.user)
    if show == "open":
        tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
    elif show == "done":
        tickets = tickets.exclude(status__in=Ticket.OPEN_STATUSES)
    tickets = selectors.listed(tickets.order_by("-received_at", "-pk"), related=("organisation", "assignee"))
    page = Paginator(selectors.PagedByIds(tickets), 50).get_page(request.GET.get("page"))
    _with_clocks(page, timezone.now())
    columns = [column for column in queue_views.DEFAULT_COLUMNS if column != "organisation"]
    context = {"page": page, "show": show, "columns": columns, "page_query": urlencode({"show": show})}
    return render(request, "tickets/ticket_list.html", context)


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_staff_member:
        return _customer_list(request)
    state = queue_state(request.GET, user=user)
    for error in state.errors:
        messages.error(request, error)
    columns = state.shown.columns
    related = tuple(dict.fromkeys(queue_views.COLUMN_RELATED[c] for c in columns if c in queue_views.COLUMN_RELATED))
    tickets = queue_views.view_tickets(
        selectors.ticket_list(user=user), user=user, filters=state.filters, sort=state.sort
    )
    tickets = selectors.listed(tickets, related=related)
    page = Paginator(selectors.PagedByIds(tickets), 50).get_page(request.GET.get("page"))
    _with_clocks(page, timezone.now())
    nav = queue_views.nav_entries(queue_views.nav_views(user=user))  # kept NAV_SECONDS: no query then
    choices = _choices(user)
    page_params = _state_params(state, state.filters)
    context = {
        "page": page,
        "state": state,
        "columns": columns,
        "column_labels": [(column, queue_views.COLUMNS[column]) for column in columns],
        "bar": _bar(state, choices, nav),
        "chips": _chips(state, choices, user),
        "nav_views": nav,
        "page_query": urlencode(page_params),
        "save_form": QueueViewSaveForm(user=user, teams=[team for team in choices.teams if team.shareable]),
        "state_query": urlencode(page_params),
        "can_change": state.shown.saved is not None
        and services.queue_view_may_change(actor=user, view=state.shown.saved),
        "assign_fields": mark_safe(_assign_fields(choices)),  # noqa: S308  (rendered by Django's templates)
    }
    return render(request, "tickets/ticket_list.html", context)


def _filters_of(query: str, user: User) -> tuple[dict, str]:
    """The filters and sort of the queue as the page showed them (its query string)."""
    state = queue_state(QueryDict(query), user=user)
    return state.filters, state.sort


@login_required
@require_POST
def queue_view_save(request: HttpRequest) -> HttpResponse:
    """ "Save as view": the queue's filters and sort as they are shown, under a name."""
    staff_only(request.user)
    form = QueueViewSaveForm(request.POST, user=request.user)
    back = reverse("tickets:list") + "?" + request.POST.get("query", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    filters, sort = _filters_of(request.POST.get("query", ""), request.user)
    shown = queue_views.shown_for(user=request.user, key=QueryDict(request.POST.get("query", "")).get("view", ""))
    try:
        view = services.queue_view_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            team=form.cleaned_data["team"],
            filters=filters,
            sort=sort,
            columns=shown.columns if shown is not None else None,
        )
    except ServiceDeskError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    return redirect(reverse("tickets:list") + "?" + urlencode({"view": view.pk}))


def _changeable(request: HttpRequest, pk: int):
    staff_only(request.user)
    view = queue_views.view_get(user=request.user, pk=pk)
    if view is None:
        raise Http404
    if not services.queue_view_may_change(actor=request.user, view=view):
        raise PermissionDenied
    return view


@login_required
def queue_view_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a view's name, team, columns, sort and position; or take the queue's filters."""
    view = _changeable(request, pk)
    form = QueueViewEditForm(request.POST or None, user=request.user, view=view)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.pop("take_filters"):  # the queue's query string, which the form posts back to
            data["filters"], _sort = _filters_of(request.GET.urlencode(), request.user)
        try:
            services.queue_view_update(actor=request.user, view=view, **data)
        except ServiceDeskError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The view “%(name)s” was changed.") % {"name": data["name"]})
            return redirect(reverse("tickets:list") + "?" + urlencode({"view": view.pk}))
    return render(request, "tickets/queue_view_form.html", {"form": form, "view": view})


@login_required
@require_POST
def queue_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = _changeable(request, pk)
    try:
        services.queue_view_delete(actor=request.user, view=view)
    except ServiceDeskError as error:
        messages.error(request, error.message)
        return redirect(reverse("tickets:list") + "?" + urlencode({"view": view.pk}))
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
    return redirect("tickets:list")


@login_required
@require_GET
def queue_nav(request: HttpRequest) -> HttpResponse:
    """The navigation's menu of views with their counts (fetched when the menu opens on a page
    whose counts were not kept: no page pays for the counts it does not show)."""
    staff_only(request.user)
    entries = queue_views.nav_views(user=request.user)
    return render(request, "tickets/_queue_nav_items.html", {"queue_nav": queue_views.nav_entries(entries)})
