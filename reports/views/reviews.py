"""Pages: the quality reviews kept (staff), their PDFs, and "write a review now" (managers and
admins, through ``reports.services.review_generate``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import ServiceDeskError
from core.files import stored_file_response
from core.pages import form_error, managers_only, page_of, staff_only
from reports import services
from reports.forms import ReviewFilterForm, ReviewWriteForm
from reports.models import QualityReview


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    staff_only(user)
    if request.method == "POST":
        managers_only(user)
    language = user.language or get_language()
    write_form = ReviewWriteForm(request.POST or None, language=language) if user.can_manage else None
    if write_form is not None and write_form.is_bound and write_form.is_valid():
        try:
            review = services.review_generate(actor=user, **write_form.cleaned_data)
        except ServiceDeskError as error:
            form_error(write_form, error)
        else:
            messages.success(request, _("Quality review %(reference)s written.") % {"reference": review.reference})
            return redirect("reports:reviews")
    filters = ReviewFilterForm(request.GET)
    reviews = QualityReview.objects.select_related("organisation", "generated_by")
    if filters.is_valid():
        if filters.cleaned_data["organisation"]:
            reviews = reviews.filter(organisation=filters.cleaned_data["organisation"])
        if filters.cleaned_data["period"]:
            reviews = reviews.filter(period=filters.cleaned_data["period"])
    page, params = page_of(request, reviews)
    context = {"page": page, "params": params, "filters": filters, "write_form": write_form}
    return render(request, "reports/reviews.html", context, status=400 if write_form and write_form.errors else 200)


@login_required
def review_file(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    review = get_object_or_404(QualityReview.objects.select_related("organisation"), pk=pk)
    return stored_file_response(
        review.file, filename=f"{review.reference}.pdf", content_type="application/pdf", inline=False
    )
