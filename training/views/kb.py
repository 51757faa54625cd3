"""Pages of the knowledge base: the list with its search (open to anonymous visitors: the
published public articles), an article with its translations and the "this solved my problem"
button, the staff form and revision history, the suggestions beside the fault report form, and
the draft article made from a resolved ticket."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.clients import client_address
from core.errors import NotAllowed, ServiceDeskError
from core.pages import staff_only
from tickets.selectors import ticket_get
from training import selectors, services
from training.article_forms import ArticleForm, applies_to_text, tags_text
from training.models import Article, Category, Deflection, Language

PER_PAGE = 20
HISTORY_PER_PAGE = 50
SUGGESTION_TEXT = 500  # characters of title and symptoms searched
# a link to the same article in another language, written in that language
READ_IN = {Language.ENGLISH: "Read in English", Language.CHINESE: "阅读中文版"}
# fields whose old and new values a revision lists (the body is too long: "changed")
SHOWN_VALUES = ("title", "language", "kind", "visibility", "status", "category", "translation_of")


def _without(params, name: str) -> str:
    """The query string of the filters but one (for the link that changes or clears it)."""
    params = params.copy()
    params.pop(name, None)
    return params.urlencode()


def _choice(value: str, choices) -> str:
    return value if value in choices.values else ""


# --- the list and its search -----------------------------------------------------------------


def article_list(request: HttpRequest) -> HttpResponse:
    """Search (``?q=``, best match first) or browse by category; filters: ``language``,
    ``category``, ``tag``, ``kind``. Anonymous visitors see the published public articles."""
    user = request.user
    query = request.GET.get("q", "").strip()[:200]
    language = _choice(request.GET.get("language", ""), Language)
    kind = _choice(request.GET.get("kind", ""), Article.Kind)
    tag = request.GET.get("tag", "").strip()[:50]
    category_value = request.GET.get("category", "")
    category = Category.objects.filter(pk=category_value).first() if category_value.isdigit() else None

    if query:
        articles = selectors.article_search(user=user, text=query, language=language or None)
    else:
        # by category (those without one last), newest first within it
        articles = selectors.article_list(user=user).order_by(
            F("category__position").asc(nulls_last=True),
            F("category__name").asc(nulls_last=True),
            "category",
            F("published_at").desc(nulls_last=True),
            "-pk",
        )
        if language:
            articles = articles.filter(language=language)
    if kind:
        articles = articles.filter(kind=kind)
    if category:
        articles = articles.filter(category=category)
    if tag:
        articles = articles.filter(tags__name__iexact=tag)

    visible = Article.objects.filter(selectors.visible_articles(user=user), category=OuterRef("pk"))
    categories = Category.objects.filter(Exists(visible))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": Paginator(articles, PER_PAGE).get_page(request.GET.get("page")),
        "params": params.urlencode(),
        "language_params": _without(params, "language"),
        "tag_params": _without(params, "tag"),
        "query": query,
        "language": language,
        "languages": Language.choices,
        "kind": kind,
        "kinds": Article.Kind.choices,
        "tag": tag,
        "category": category,
        "categories": categories,
        "grouped": not query and not category,
    }
    return render(request, "training/kb_list.html", context)


# --- one article -----------------------------------------------------------------------------


def _translations(article: Article, user) -> list[dict[str, Any]]:
    """The same article in the other languages that the user may read: its original, the
    original's other translations, and its own translations."""
    related = Q(translation_of=article)
    if article.translation_of_id:
        related |= Q(pk=article.translation_of_id) | Q(translation_of_id=article.translation_of_id)
    found = selectors.article_list(user=user).filter(related).exclude(pk=article.pk).order_by("language", "pk")
    return [{"article": other, "label": READ_IN.get(other.language, other.get_language_display())} for other in found]


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    article = selectors.article_get(user=user, pk=pk)
    context = {
        "article": article,
        "translations": _translations(article, user),
        "applies_to": list(article.applies_to.all()),
        "tags": list(article.tags.all()),
        "may_solve": article.status == Article.Status.PUBLISHED,
    }
    if user.is_authenticated and user.is_staff_member:
        context["other_language"] = Language.CHINESE if article.language == Language.ENGLISH else Language.ENGLISH
        context["solved_count"] = article.deflections.count()
    return render(request, "training/article_detail.html", context)


@require_POST
def article_solved(request: HttpRequest, pk: int) -> HttpResponse:
    """ "This solved my problem": a ticket not filed, counted once per visitor and article (a
    signed-in person; an anonymous visitor by the session cookie, which this answer sets). A
    second click says thank you again and counts nothing. Anonymous answers are rate-limited
    per client address (429). From the suggestions beside the fault report form
    (``source=ticket_form``) the answer says no ticket is needed."""
    article = selectors.article_get(user=request.user, pk=pk)
    source = request.POST.get("source", "")
    if source not in (Deflection.Source.TICKET_FORM, Deflection.Source.ARTICLE):
        source = Deflection.Source.ARTICLE
    user = request.user if request.user.is_authenticated else None
    visitor = ""
    if user is None:
        if request.session.session_key is None:
            request.session.create()
        visitor = services.solved_visitor(user=None, session_key=request.session.session_key)
    try:
        services.article_solved(
            article=article,
            user=user,
            query=request.POST.get("query", ""),
            source=source,
            visitor=visitor,
            client=client_address(request) if user is None else "",
        )
    except services.SolvedTooOften as error:
        messages.error(request, error.message)
        response = article_detail(request, article.pk)
        response.status_code = 429
        return response
    except ServiceDeskError as error:
        messages.error(request, error.message)
        return redirect("training:article_detail", article.pk)
    if source == Deflection.Source.TICKET_FORM:
        messages.success(request, _("Glad it helped: no ticket needed."))
    else:
        messages.success(request, _("Thank you: glad it solved your problem."))
    return redirect(reverse("training:article_detail", args=[article.pk]) + "?solved=1")


# --- staff: write and review -----------------------------------------------------------------


def _initial_translation(request: HttpRequest) -> dict[str, Any] | None:
    """``?translation_of=<pk>`` starts a translation with the original's settings."""
    value = request.GET.get("translation_of", "")
    original = Article.objects.filter(pk=value).first() if value.isdigit() else None
    if original is None:
        return None
    language = _choice(request.GET.get("language", ""), Language) or (
        Language.CHINESE if original.language == Language.ENGLISH else Language.ENGLISH
    )
    return {
        "translation_of": original,
        "language": language,
        "kind": original.kind,
        "visibility": original.visibility,
        "projects": list(original.projects.all()),
        "category": original.category_id,
        "tags": tags_text(original),
        "applies_to": applies_to_text(original),
        "status": Article.Status.DRAFT,
    }


@login_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    staff_only(user)
    article = selectors.article_get(user=user, pk=pk) if pk else None
    initial = _initial_translation(request) if article is None else None
    form = ArticleForm(request.POST or None, instance=article, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.article_save(actor=user, article=article, **form.article_fields())
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceDeskError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Article saved: %(title)s") % {"title": saved.title})
            return redirect("training:article_detail", saved.pk)
    context = {
        "form": form,
        "article": article,
        "title": _("Edit the article") if article else _("New article"),
        "back": reverse("training:article_detail", args=[article.pk]) if article else reverse("training:kb"),
    }
    return render(request, "training/article_form.html", context)


def _value(record, name: str) -> str:
    """A field's value in a revision, as people read it."""
    if name == "category":
        category = Category.objects.filter(pk=record.category_id).first() if record.category_id else None
        return str(category) if category else "—"
    if name == "translation_of":
        original = Article.objects.filter(pk=record.translation_of_id).first() if record.translation_of_id else None
        return original.title if original else "—"
    display = getattr(record, f"get_{name}_display", None)
    value = display() if display else getattr(record, name)
    return str(value) if value not in (None, "") else "—"


def _changes(record, previous) -> list[dict[str, str]]:
    if previous is None:
        return []
    changes = []
    for change in record.diff_against(previous).changes:
        field = Article._meta.get_field(change.field)
        item = {"label": str(field.verbose_name)}
        if change.field in SHOWN_VALUES:
            item["old"], item["new"] = _value(previous, change.field), _value(record, change.field)
        changes.append(item)
    return changes


@login_required
@require_GET
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The article's revisions, newest first: who, when, which fields changed; ``?revision=``
    shows the text of one of them."""
    user = request.user
    staff_only(user)
    article = selectors.article_get(user=user, pk=pk)
    history = article.history.select_related("history_user").order_by("-history_date", "-history_id")
    revision = None
    value = request.GET.get("revision", "")
    if value:
        revision = history.filter(history_id=value).first() if value.isdigit() else None
        if revision is None:
            raise Http404
    page = Paginator(history, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    records = list(page)
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else record.prev_record
        rows.append({"record": record, "changes": _changes(record, previous), "first": previous is None})
    context = {"article": article, "page": page, "rows": rows, "revision": revision}
    return render(request, "training/article_history.html", context)


@login_required
@require_POST
def article_from_ticket(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    """A staff-only draft from a resolved or closed ticket, opened for editing."""
    user = request.user
    ticket = ticket_get(user=user, pk=ticket_pk)
    staff_only(user)
    try:
        article = services.article_from_ticket(ticket_id=ticket.pk, actor=user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceDeskError as error:
        messages.error(request, error.message)
        return redirect("tickets:detail", ticket.pk)
    messages.success(
        request,
        _("Draft article written from %(reference)s: edit it, then publish it.") % {"reference": ticket.reference},
    )
    return redirect("training:article_edit", article.pk)


# --- beside the fault report form ------------------------------------------------------------


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The articles matching what is being typed into a fault report (an htmx fragment). Not
    signed in: 403, which htmx leaves unswapped."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    title = request.GET.get("title", "").strip()
    description = request.GET.get("description", "").strip()
    text = f"{title}\n{description}".strip()[:SUGGESTION_TEXT]
    suggestions = selectors.suggestions(user=request.user, text=text) if text else []
    context = {"suggestions": suggestions, "query": text, "searched": bool(text)}
    return render(request, "training/_suggestions.html", context)
