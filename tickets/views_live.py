"""The live pages (docs/keyboard-and-live-updates.md): conditional polling of a ticket and of the
queue, and the reply that is not sent unread over a colleague's newer entries.

Polling, not server-sent events: the sync workers would be held by every open tab. A poll that
finds nothing answers at once from one indexed query: 304 (its ETag) or 204 (nothing after
``since``). Both endpoints read through ``tickets.live``, scoped like the pages: another
organisation's ticket is a 404.
"""

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from tickets import live, presenters, selectors
from tickets.forms import ReplyForm
from tickets.models import Ticket


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_cache=True, max_age=0)
    return response


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number >= 0 else None


def _ticket_state(ticket: Ticket) -> dict:
    assignee = str(ticket.assignee) if ticket.assignee_id else "—"
    if ticket.team_id:
        assignee = f"{assignee} · {ticket.team}"
    return {
        "status": ticket.status,
        "status_label": presenters.status_label(ticket.status),
        "priority": ticket.priority,
        "priority_label": presenters.priority_label(ticket.priority),
        "assignee": assignee,
        "open": ticket.is_open,
    }


def render_entry(ticket: Ticket, entry: live.Entry) -> str:
    """The entry as the ticket page draws it (no request: the page's context processors would
    run again for every entry)."""
    return render_to_string("tickets/_timeline_entry.html", {"event": entry.event, "ticket": ticket})


@login_required
@require_GET
def ticket_changes(request: HttpRequest, pk: int) -> HttpResponse:
    """What the ticket page has not shown: ``since`` is the newest entry it shows. 304 when the
    ETag (the newest entry the reader may see, and the language) is unchanged, 204 when nothing
    is newer than ``since``; else the new entries rendered for the reader (a customer never
    gets an internal note), the ticket's status, priority and assignee, and what to announce."""
    since = _int(request.GET.get("since"))
    if since is None:
        return HttpResponseBadRequest("since: the id of the newest entry the page shows")
    newest = live.last_event_id(user=request.user, ticket_id=pk)  # 404 outside the reader's scope
    etag = f'W/"{newest}-{get_language()}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    elif newest <= since:
        response = HttpResponse(status=204)
    else:
        ticket = Ticket.objects.select_related("assignee", "team").get(pk=pk)
        entries = live.entries_since(ticket=ticket, user=request.user, since=since)
        response = JsonResponse(
            {
                "last": newest,
                "entries": [
                    {
                        "id": entry.event.pk,
                        "html": render_entry(ticket, entry),
                        "warns": entry.warns,
                        "announcement": entry.announcement,
                    }
                    for entry in entries
                ],
                "ticket": _ticket_state(ticket),
            }
        )
    response["ETag"] = etag
    return _no_store(response)


# one row of the queue's table, and the link to a ticket in it
_ROW = re.compile(r"<tr\b.*?</tr>", re.DOTALL)
_TBODY = re.compile(r'<table\b[^>]*\bid="tickets".*?<tbody\b[^>]*>(.*?)</tbody>', re.DOTALL)


def _detail_link() -> re.Pattern:
    return re.compile(re.escape(reverse("tickets:detail", args=[987654321])).replace("987654321", r"(\d+)"))


def queue_rows(html: str) -> list[tuple[int, str]]:
    """The queue page's rows as (ticket id, the row's HTML), in the page's order: whatever the
    queue's columns and filters, a row is the ``<tr>`` holding the link to its ticket."""
    body = _TBODY.search(html)
    if body is None:
        return []
    link = _detail_link()
    rows = []
    for row in _ROW.findall(body.group(1)):
        found = link.search(row)
        if found:
            rows.append((int(found.group(1)), row))
    return rows


class _NoMessages(list):
    """The messages of the queue page drawn for a poll: what it would say (a filter's error) is
    dropped, and the reader's own messages wait for the next page they open."""

    def add(self, *args, **kwargs) -> None:
        pass

    def update(self, response) -> list:
        return []


@login_required
@require_GET
def queue_changes(request: HttpRequest) -> HttpResponse:
    """The queue's new and changed rows since ``since`` (the ``cursor`` of the last answer, or
    when the page was drawn), for the queue as the other parameters filter, sort and page it.

    One indexed query finds the tickets with newer history in the reader's scope; none: 204.
    Otherwise the queue page itself is drawn for the same parameters (its selector and its
    template: one owner of the filters and of the row), and its rows of those tickets come
    back with ``order``, the page's tickets in order, and ``gone``, the changed tickets no
    longer on it."""
    since = parse_datetime(request.GET.get("since", ""))
    if since is None or timezone.is_naive(since):
        return HttpResponseBadRequest("since: an ISO 8601 moment with its offset")
    now = timezone.now()
    changed = live.queue_changes(user=request.user, since=since)
    cursor = now.isoformat()
    if not changed:
        return _no_store(HttpResponse(status=204, headers={"X-Live-Cursor": cursor}))
    params = request.GET.copy()
    params.pop("since", None)
    request.GET = params
    request._messages = _NoMessages()
    page = resolve(reverse("tickets:list")).func(request)
    if not getattr(page, "is_rendered", True):
        page.render()  # a TemplateResponse
    if page.status_code != 200:  # the queue sent the reader elsewhere: nothing to redraw here
        return _no_store(HttpResponse(status=204, headers={"X-Live-Cursor": cursor}))
    rows = queue_rows(page.content.decode())
    shown = {ticket_id for ticket_id, _row in rows}
    listed = [
        {"id": ticket_id, "version": changed[ticket_id], "html": row} for ticket_id, row in rows if ticket_id in changed
    ]
    response = JsonResponse(
        {
            "cursor": cursor,
            "rows": listed,
            "order": [ticket_id for ticket_id, _row in rows],
            "gone": sorted(ticket_id for ticket_id in changed if ticket_id not in shown),
        }
    )
    response["X-Live-Cursor"] = cursor
    return _no_store(response)


def reply_if_stale(request: HttpRequest, pk: int) -> HttpResponse | None:
    """The reply form posted over entries its writer has not seen (``seen``, the newest entry the
    page showed, older than another person's reply, note, status change or assignment): the
    ticket page again, the message kept, a warning naming the new entries and "Send anyway".
    ``None``: it may go (also when the form did not say what it saw: the API, an old page)."""
    seen = _int(request.POST.get("seen"))
    if seen is None:
        return None
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    stale = live.stale_entries(ticket=ticket, user=request.user, seen=seen)
    if not stale:
        return None
    data = request.POST.copy()
    data["seen"] = str(live.last_event_id(user=request.user, ticket_id=ticket.pk))
    form = ReplyForm(data, user=request.user)
    from tickets.views import ticket_detail  # the page's one renderer; it imports this module

    return ticket_detail(
        request, pk, reply_form=form, stale_entries=stale, stale_files=bool(request.FILES.getlist("attachments"))
    )
