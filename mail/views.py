"""Pages of the email intake (work in progress: the pages helper writes them)."""

from django.http import Http404


def _todo(request, pk=None):
    raise Http404


inbound_list = inbound_detail = inbound_original = inbound_open_ticket = inbound_add_to_ticket = inbound_dismiss = _todo
