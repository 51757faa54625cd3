"""API: /api/v1/articles/ (``?q=`` searches; solved, history, from-ticket) and
/api/v1/article-categories/."""

import django_filters
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import ReadAnyWriteStaff
from core.api import WriteThroughServicesMixin, site_url
from core.api import user_name as name
from core.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictCharField,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictFilterSet
from tickets.selectors import ticket_list
from training import selectors, services
from training.api.shared import projects
from training.models import Article, Category, Deflection

MAX_QUERY = 200  # characters of ?q= searched, as the knowledge base page does

# --- output ---------------------------------------------------------------------------------


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "name_zh", "position"]


class CategoryRef(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "name_zh"]


class AppliesToOutput(serializers.Serializer):
    product = serializers.CharField()
    versions = serializers.CharField(help_text="Empty: all versions.")


class ArticleOutput(serializers.ModelSerializer):
    category = CategoryRef(read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    projects = serializers.SerializerMethodField(
        help_text="Visible to customers: only these projects' customers (a customer sees its own among them); "
        "none: every customer."
    )
    applies_to = AppliesToOutput(many=True, read_only=True)
    source_ticket = serializers.SerializerMethodField(help_text="The ticket it was written from (staff only).")
    author_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The article's page.")
    rank = serializers.SerializerMethodField(
        help_text="With ?q=: how well the article matches (higher is better; compare within one answer only). "
        "Without: null."
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "language",
            "kind",
            "visibility",
            "status",
            "category",
            "tags",
            "projects",
            "applies_to",
            "translation_of",
            "source_ticket",
            "author_name",
            "published_at",
            "created_at",
            "updated_at",
            "url",
            "rank",
        ]

    def get_projects(self, article) -> list[int]:
        return [project.pk for project in article.projects.all()]  # prefetched within the caller's scope

    def get_source_ticket(self, article) -> int | None:
        user = self.context["request"].user
        return article.source_ticket_id if user.is_staff_member else None

    def get_author_name(self, article) -> str | None:
        return name(article.author)

    def get_url(self, article) -> str:
        return site_url(reverse("training:article_detail", args=[article.pk]))

    def get_rank(self, article) -> float | None:
        rank = getattr(article, "rank", None)
        return round(float(rank), 6) if rank is not None else None


class DeflectionOutput(serializers.ModelSerializer):
    class Meta:
        model = Deflection
        fields = ["id", "article", "created_at"]


class RevisionOutput(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_user = serializers.SerializerMethodField(help_text="Who made the change.")
    history_type = serializers.ChoiceField(
        choices=[("+", "created"), ("~", "changed"), ("-", "deleted")], help_text="+ created, ~ changed, - deleted."
    )
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Article.Status.choices)
    visibility = serializers.ChoiceField(choices=Article.Visibility.choices)

    def get_history_user(self, record) -> str | None:
        return name(record.history_user)


# --- input ----------------------------------------------------------------------------------


class AppliesToInput(serializers.Serializer):
    product = StrictCharField(max_length=120, help_text="The name installed products carry.")
    versions = StrictCharField(max_length=120, required=False, allow_blank=True, default="", help_text="Empty: all.")


class ArticleInput(InputSerializer):
    category = StrictPrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    tags = serializers.ListField(
        child=StrictCharField(max_length=50), required=False, max_length=50, help_text="Tag names; new ones are made."
    )
    projects = serializers.ListField(
        child=ScopedPrimaryKeyField(scope=projects),
        required=False,
        max_length=100,
        help_text="Visibility customers: only these projects' customers read it; none: every customer.",
    )
    applies_to = AppliesToInput(
        many=True, required=False, max_length=50, help_text="Replaces the products and versions it applies to."
    )
    translation_of = ScopedPrimaryKeyField(
        scope=selectors.article_list, required=False, allow_null=True, help_text="The article it translates."
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "body",
            "language",
            "visibility",
            "kind",
            "status",
            "category",
            "tags",
            "projects",
            "applies_to",
            "translation_of",
        ]
        extra_kwargs = {
            "kind": {"help_text": "Default: troubleshooting."},
            "status": {"help_text": "Default: published."},
            "visibility": {"help_text": "Default: staff (only staff read it)."},
        }

    def validate_applies_to(self, rows: list[dict]) -> list[dict]:
        # a PATCH skips the required fields of nested rows too: each row still names its product
        if any("product" not in row for row in rows):
            raise serializers.ValidationError(_("Name the product of each row."))
        return rows


class SolvedInput(serializers.Serializer):
    query = StrictCharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="What the person searched for."
    )


class FromTicketInput(serializers.Serializer):
    ticket = ScopedPrimaryKeyField(scope=ticket_list, help_text="A resolved or closed ticket.")


class ArticleFilter(StrictFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        help_text="Words to search for, English or Chinese: the articles matching them, best match first "
        "(?ordering is then ignored).",
    )
    tag = django_filters.CharFilter(method="filter_tag", help_text="A tag name.")

    class Meta:
        model = Article
        fields = ["q", "language", "visibility", "status", "category", "tag", "kind"]

    def filter_q(self, queryset, name, value):
        return queryset  # the view searches (selectors.article_search), so that the ranking stays

    def filter_tag(self, queryset, name, value):
        tagged = Article.tags.through.objects.filter(article=OuterRef("pk"), tag__name__iexact=value.strip())
        return queryset.filter(Exists(tagged))


# --- articles -------------------------------------------------------------------------------


def _query_text(request) -> str:
    return request.query_params.get("q", "").strip()[:MAX_QUERY]


@extend_schema(tags=["knowledge-base"])
@extend_schema_view(
    create=extend_schema(responses={201: ArticleOutput}),
    update=extend_schema(responses={200: ArticleOutput}),
    partial_update=extend_schema(responses={200: ArticleOutput}),
)
class ArticleViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Knowledge base articles (troubleshooting guides, FAQs, maintenance how-tos) in English
    and Chinese. ``?q=`` searches what the caller may read, best match first. Customers read
    the published public articles and those for customers (of their projects, when the
    article names projects); staff read everything, drafts too, and write. Every change is a
    revision in the article's history."""

    permission_classes = [ReadAnyWriteStaff]
    input_serializer = ArticleInput
    output_serializer = ArticleOutput
    filterset_class = ArticleFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]  # ?q= is the search here, not ?search=
    ordering_fields = ["published_at", "updated_at", "title"]

    def get_queryset(self):
        user = self.request.user
        text = _query_text(self.request) if self.action == "list" else ""
        queryset = selectors.article_search(user=user, text=text) if text else selectors.article_list(user=user)
        return queryset.prefetch_related(Prefetch("projects", queryset=projects(user).order_by("pk")))

    def filter_queryset(self, queryset):
        if self.action == "list" and _query_text(self.request):
            # the search's ranking is the order: no ?ordering overrides it
            for backend in self.filter_backends:
                if not issubclass(backend, OrderingFilter):
                    queryset = backend().filter_queryset(self.request, queryset, self)
            return queryset
        return super().filter_queryset(queryset)

    def service_create(self, *, actor, **fields):
        return services.article_save(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.article_save(actor=actor, article=instance, **fields)

    @extend_schema(request=SolvedInput, responses={201: DeflectionOutput})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def solved(self, request, pk=None):
        """ "This solved my problem": a ticket not filed, counted for the deflection rate. The
        same person saying it again about the same article counts once, however late (the
        answer is then that first record)."""
        article = self.get_object()
        data = SolvedInput(data=request.data)
        data.is_valid(raise_exception=True)
        deflection = services.article_solved(
            article=article, user=request.user, query=data.validated_data["query"], source=Deflection.Source.API
        )
        return Response(DeflectionOutput(deflection).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: RevisionOutput(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """The article's revisions, newest first (staff)."""
        article = self.get_object()
        if not request.user.is_staff_member:
            raise PermissionDenied(_("Only staff can do this."))
        revisions = article.history.select_related("history_user").order_by("-history_date", "-history_id")
        page = self.paginate_queryset(revisions)
        return self.get_paginated_response(RevisionOutput(page, many=True).data)

    @extend_schema(request=FromTicketInput, responses={201: ArticleOutput})
    @action(detail=False, methods=["post"], url_path="from-ticket", url_name="from-ticket")
    def from_ticket(self, request):
        """A staff-only draft from a resolved or closed ticket: its title, the symptoms, the
        measures taken and the public replies, to edit into a guide (staff)."""
        data = FromTicketInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        article = services.article_from_ticket(ticket_id=data.validated_data["ticket"].pk, actor=request.user)
        return self._answer(article, status.HTTP_201_CREATED)


@extend_schema(tags=["knowledge-base"])
class ArticleCategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The knowledge base's categories, in their order (read-only; admins keep them in the
    admin site)."""

    serializer_class = CategoryOutput
    pagination_class = None
    queryset = Category.objects.all()
