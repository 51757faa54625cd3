"""The imports in the admin, for administrators: upload a file of one kind, read the preview of
every row's verdict (errors first, a page at a time), then import it on a worker with a
progress bar, and read the final report. Each kind's template is downloaded from the list."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ServiceDeskError
from imports import blanks, selectors, services
from imports.kinds import KINDS
from imports.kinds.base import VERDICTS
from imports.models import ImportJob


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or XLSX, with the template's columns."),
    )


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_authenticated and user.is_admin)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "status", "rows", "count_summary", "created_by", "created_at")
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    change_list_template = "admin/imports/importjob/change_list.html"

    # administrators only; the rows are written by the import's service, never edited here
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("new / update / unchanged / errors"))
    def count_summary(self, job: ImportJob) -> str:
        return " / ".join(str(job.counts.get(name, 0)) for name in ("new", "update", "unchanged", "error"))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="imports_importjob_upload"),
            path("template/<str:kind>.<str:file_format>", wrap(self.template_view), name="imports_importjob_template"),
            path("<int:job_id>/start/", wrap(self.start_view), name="imports_importjob_start"),
            path("<int:job_id>/progress/", wrap(self.progress_view), name="imports_importjob_progress"),
            *super().get_urls(),
        ]

    def _require(self, request: HttpRequest) -> None:
        if not _is_admin(request):
            raise PermissionDenied

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra = {"templates": [(name, kind.label) for name, kind in KINDS.items()], **(extra_context or {})}
        return super().changelist_view(request, extra)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = services.import_job_create(
                    actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
                )
            except (ServiceDeskError, ValidationError) as error:
                form.add_error("file", getattr(error, "message", None) or "; ".join(error.messages))
            else:
                return redirect(reverse("admin:imports_importjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload a file to import"),
            "form": form,
            "templates": [(name, kind.label) for name, kind in KINDS.items()],
        }
        return TemplateResponse(request, "admin/imports/importjob/upload.html", context)

    def template_view(self, request: HttpRequest, kind: str, file_format: str) -> HttpResponse:
        self._require(request)
        if kind not in KINDS or file_format not in ("csv", "xlsx"):
            raise PermissionDenied
        content_type = {
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[file_format]
        response = HttpResponse(blanks.template(kind, file_format), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.{file_format}"'
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        self._require(request)
        job = get_object_or_404(selectors.import_job_list(), pk=object_id)
        only = request.GET.get("verdict", "")
        only = only if only in VERDICTS else ""
        page = selectors.import_job_verdicts(job=job, page=request.GET.get("page"), only=only)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(job),
            "job": job,
            "page": page,
            "only": only,
            "verdict_choices": VERDICTS,
            "counts": [(name, job.counts.get(name, 0)) for name in VERDICTS],
            "progress": services.import_job_progress(job=job),
            "polling": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        }
        return TemplateResponse(request, "admin/imports/importjob/detail.html", context)

    def start_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        self._require(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        get_object_or_404(ImportJob, pk=job_id)
        try:
            services.import_job_start(actor=request.user, job_id=job_id)
        except ServiceDeskError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The import has started: this page shows its progress."))
        return redirect(reverse("admin:imports_importjob_change", args=[job_id]))

    def progress_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        self._require(request)
        job = get_object_or_404(ImportJob, pk=job_id)
        return JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),
                "progress": services.import_job_progress(job=job),
            }
        )
