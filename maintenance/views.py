"""Pages of the maintenance module (placeholder until the pages land)."""

from django.http import Http404


def overview(request, *args, **kwargs):
    raise Http404


def warranty_list(request, *args, **kwargs):
    raise Http404


def warranty_edit(request, *args, **kwargs):
    raise Http404


def warranty_detail(request, *args, **kwargs):
    raise Http404


def contract_list(request, *args, **kwargs):
    raise Http404


def contract_edit(request, *args, **kwargs):
    raise Http404


def coverage_decide(request, *args, **kwargs):
    raise Http404


def billable_add(request, *args, **kwargs):
    raise Http404


def billable_remove(request, *args, **kwargs):
    raise Http404


def schedule_list(request, *args, **kwargs):
    raise Http404


def schedule_edit(request, *args, **kwargs):
    raise Http404


def inspection_list(request, *args, **kwargs):
    raise Http404


def health_check_create(request, *args, **kwargs):
    raise Http404


def inspection_detail(request, *args, **kwargs):
    raise Http404


def inspection_record(request, *args, **kwargs):
    raise Http404


def inspection_complete(request, *args, **kwargs):
    raise Http404


def inspection_cancel(request, *args, **kwargs):
    raise Http404


def photo_add(request, *args, **kwargs):
    raise Http404


def photo_view(request, *args, **kwargs):
    raise Http404


def inspection_pdf(request, *args, **kwargs):
    raise Http404


def calendar_feed(request, *args, **kwargs):
    raise Http404


def return_visit_list(request, *args, **kwargs):
    raise Http404


def return_visit_edit(request, *args, **kwargs):
    raise Http404


def return_visit_done(request, *args, **kwargs):
    raise Http404


def release_list(request, *args, **kwargs):
    raise Http404


def release_detail(request, *args, **kwargs):
    raise Http404


def release_publish(request, *args, **kwargs):
    raise Http404


def notice_update(request, *args, **kwargs):
    raise Http404


def survey(request, *args, **kwargs):
    raise Http404
