"""Administrators keep training plans, sessions and the knowledge base here. Plans, sessions
and articles are saved through their service function, which also checks the form (what it
refuses is a form error) and, for articles, writes the search index. Enrolments, feedback and
the "this solved it" answers are read here; people enrol, attend and answer in the pages and
the API. Rules: docs/training.md and docs/knowledge-base.md."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import StaffChoiceMixin
from core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceSavedMixin, fields_of
from core.errors import ServiceDeskError
from training import services
from training.models import (
    AppliesTo,
    Article,
    Category,
    Deflection,
    Enrolment,
    Feedback,
    Material,
    Tag,
    Topic,
    TrainingPlan,
    TrainingSession,
)

# --- plans and sessions --------------------------------------------------------------------


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0
    fields = ["position", "kind", "title", "hours", "description"]


@admin.register(TrainingPlan)
class TrainingPlanAdmin(ServiceSavedMixin, admin.ModelAdmin):
    list_display = ["title", "project", "audience", "topic_count", "is_active", "updated_at"]
    list_filter = ["is_active", "project__organisation"]
    list_select_related = ["project"]
    search_fields = ["title", "audience", "project__name", "project__code"]
    autocomplete_fields = ["project"]
    fields = ["project", "title", "audience", "notes", "is_active", "created_by"]
    readonly_fields = ["created_by"]
    inlines = [TopicInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingPlan]:
        return super().get_queryset(request).annotate(topic_total=Count("topics"))

    @admin.display(description=_("topics"), ordering="topic_total")
    def topic_count(self, obj: TrainingPlan) -> int:
        return obj.topic_total

    def service_save(self, request: HttpRequest, obj: TrainingPlan, data: dict[str, Any]) -> None:
        if obj.pk is None:
            obj.created_by = request.user
        services.plan_save(actor=request.user, plan=obj, **data)


class SessionForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "topics" in self.fields:
            topics = Topic.objects.select_related("plan").order_by("plan__title", "position", "pk")
            if self.instance.pk:
                topics = topics.filter(plan_id=self.instance.plan_id)
            self.fields["topics"].queryset = topics
            self.fields["topics"].label_from_instance = lambda topic: f"{topic.plan}: {topic}"
            self.fields["topics"].help_text = _("Topics of the session's plan.")


class MaterialForm(forms.ModelForm):
    """The service's rules, checked before the save: a file or a link, a file not too large."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk or data.get("DELETE"):
            return data
        file, url = data.get("file"), data.get("url")
        if bool(file) == bool(url):
            raise forms.ValidationError(_("Upload a file or give a link."))
        if file and file.size > settings.ATTACHMENT_MAX_BYTES:
            self.add_error("file", _("The file is too large."))
        return data


class MaterialInline(admin.TabularInline):
    """Added and removed through the services; a material is not edited, it is replaced."""

    model = Material
    form = MaterialForm
    extra = 0
    fields = ["title", "file", "url", "added_by", "created_at"]
    readonly_fields = ["added_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EnrolmentInline(ReadOnlyInline):
    model = Enrolment
    fields = readonly_fields = ["contact", "status", "queued_at", "enrolled_by", "attendance", "reminded_at"]
    ordering = ["status", "queued_at", "pk"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(StaffChoiceMixin, ServiceSavedMixin, admin.ModelAdmin):
    """Sessions are cancelled in the pages (with a reason everyone enrolled is told), not
    deleted here; a cancelled session no longer changes."""

    form = SessionForm
    list_display = ["title", "plan", "format", "starts_at", "trainer", "seats", "status"]
    list_filter = ["status", "format", "language", "plan__project__organisation"]
    list_select_related = ["plan", "trainer"]
    search_fields = ["title", "plan__title", "plan__project__name", "location"]
    autocomplete_fields = ["plan"]
    staff_fields = ("trainer",)
    date_hierarchy = "starts_at"
    fields = [
        "plan",
        "title",
        "format",
        "location",
        "meeting_link",
        "trainer",
        "starts_at",
        "ends_at",
        "capacity",
        "language",
        "topics",
        "description",
        "status",
        "cancel_reason",
        "revision",
    ]
    readonly_fields = ["status", "cancel_reason", "revision"]
    filter_horizontal = ["topics"]
    inlines = [MaterialInline, EnrolmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingSession]:
        seated = Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED))
        return super().get_queryset(request).annotate(seats_taken=seated)

    @admin.display(description=_("seats taken"), ordering="seats_taken")
    def seats(self, obj: TrainingSession) -> str:
        return f"{obj.seats_taken} / {obj.capacity}"

    def has_change_permission(self, request: HttpRequest, obj: TrainingSession | None = None) -> bool:
        return (obj is None or not obj.is_cancelled) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: TrainingSession | None = None) -> bool:
        return False

    def service_save(self, request: HttpRequest, obj: TrainingSession, data: dict[str, Any]) -> None:
        fields = {name: value for name, value in data.items() if name != "topics"}
        saved = services.session_save(
            actor=request.user, session=obj if obj.pk else None, topics=data.get("topics"), **fields
        )
        # the service saves its own instance: the admin goes on with this one (inlines, log)
        obj.pk, obj.revision = saved.pk, saved.revision

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        if formset.model is not Material:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # fills deleted_objects; writes nothing
        for material in formset.deleted_objects:
            services.material_remove(material_id=material.pk, actor=request.user)
        for inline_form in formset.extra_forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            data = inline_form.cleaned_data
            services.material_add(
                session_id=form.instance.pk,
                actor=request.user,
                title=data["title"],
                file=data.get("file") or None,
                url=data.get("url") or "",
            )


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    """Read-only: people enrol and cancel in the pages and the API, where the waiting list is
    kept; attendance is taken by the trainer. The action cancels through the service, so the
    first in line gets the seat."""

    list_display = ["contact", "session", "status", "queued_at", "attendance", "enrolled_by", "reminded_at"]
    list_filter = ["status", "attendance", "session__format", "session__plan__project__organisation"]
    list_select_related = ["contact", "session", "enrolled_by"]
    search_fields = ["contact__username", "contact__first_name", "contact__last_name", "session__title"]
    date_hierarchy = "queued_at"
    actions = ["cancel"]

    @admin.action(description=_("Cancel the selected enrolments"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> None:
        done = 0
        for enrolment in queryset.order_by("pk"):
            try:
                services.enrolment_cancel(enrolment_id=enrolment.pk, actor=request.user)
            except ServiceDeskError as error:
                self.message_user(request, f"{enrolment}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            message = ngettext("%(count)d enrolment cancelled.", "%(count)d enrolments cancelled.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["enrolment", "rating", "trainer_rating", "created_at"]
    list_filter = ["rating", "trainer_rating"]
    list_select_related = ["enrolment__contact", "enrolment__session"]
    search_fields = ["comments", "enrolment__session__title", "enrolment__contact__username"]
    fields = readonly_fields = ["enrolment", "rating", "trainer_rating", "comments", "created_at"]
    date_hierarchy = "created_at"


# --- knowledge base ------------------------------------------------------------------------


class ReindexOnDeleteMixin:
    """Deleting a category or tag re-indexes the articles that had it."""

    article_relation = ""  # the lookup from Article

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        ids = list(obj.articles.values_list("pk", flat=True))
        super().delete_model(request, obj)
        services.articles_reindex(Article.objects.filter(pk__in=ids))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = list(Article.objects.filter(**{f"{self.article_relation}__in": queryset}).values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.articles_reindex(Article.objects.filter(pk__in=ids))


@admin.register(Category)
class CategoryAdmin(ReindexOnDeleteMixin, ServiceSavedMixin, admin.ModelAdmin):
    """Saved by ``services.category_save`` (a renamed category is searched under its new name)."""

    list_display = ["name", "name_zh", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name", "name_zh"]
    fields = ["name", "name_zh", "position"]
    article_relation = "category"

    def service_save(self, request: HttpRequest, obj: Category, data: dict) -> Category:
        return services.category_save(category=obj, **fields_of(data, self.fields))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, obj: Category) -> int:
        return obj.article_total


@admin.register(Tag)
class TagAdmin(ReindexOnDeleteMixin, ServiceSavedMixin, admin.ModelAdmin):
    """Saved by ``services.tag_save`` (a renamed tag is searched under its new name)."""

    list_display = ["name", "article_count"]
    search_fields = ["name"]
    fields = ["name"]
    article_relation = "tags"

    def service_save(self, request: HttpRequest, obj: Tag, data: dict) -> Tag:
        return services.tag_save(tag=obj, **fields_of(data, self.fields))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, obj: Tag) -> int:
        return obj.article_total


class AppliesToInline(admin.TabularInline):
    model = AppliesTo
    extra = 0
    fields = ["product", "versions"]


@admin.register(Article)
class ArticleAdmin(ServiceSavedMixin, SimpleHistoryAdmin):
    """Every save is a revision in the article's history and rewrites its search index."""

    list_display = ["title", "language", "kind", "visibility", "status", "category", "published_at", "updated_at"]
    list_filter = ["status", "visibility", "language", "kind", "category"]
    list_select_related = ["category"]
    search_fields = ["title"]
    autocomplete_fields = ["category", "tags", "projects", "translation_of", "source_ticket"]
    date_hierarchy = "published_at"
    fields = [
        "title",
        "language",
        "translation_of",
        "kind",
        "status",
        "visibility",
        "projects",
        "category",
        "tags",
        "body",
        "source_ticket",
        "author",
        "published_at",
    ]
    readonly_fields = ["author", "published_at"]
    inlines = [AppliesToInline]

    def service_save(self, request: HttpRequest, obj: Article, data: dict[str, Any]) -> None:
        if obj.pk is None:
            obj.author = request.user
        fields = {name: value for name, value in data.items() if name not in ("tags", "projects")}
        services.article_save(
            actor=request.user,
            article=obj,
            tags=[tag.name for tag in data.get("tags", [])],
            projects=data.get("projects", []),
            **fields,
        )

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.articles_reindex([form.instance])  # the products it applies to are searched too


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    """Each time someone said an article solved their problem: tickets not filed."""

    list_display = ["article", "organisation", "source", "created_at", "user", "query"]
    list_filter = ["source", "organisation"]
    list_select_related = ["article", "organisation", "user"]
    search_fields = ["article__title", "query"]
    date_hierarchy = "created_at"
