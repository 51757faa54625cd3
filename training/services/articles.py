"""The knowledge base: articles, their search index, drafts from tickets, and "this solved it"."""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import assign, audited_save, require_staff, validated_save
from customers.models import Project
from tickets.models import Ticket
from training import search
from training.models import (
    AppliesTo,
    Article,
    Category,
    Deflection,
    Language,
    Tag,
)


class SolvedTooOften(ServiceDeskError):
    """Anonymous "this solved it" answers from one address past its hourly allowance."""


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(name.strip() for name in names if name.strip()):
        if len(name) > 50:
            raise ServiceDeskError(_("A tag has at most 50 characters."), field="tags")
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    return tags


@transaction.atomic
def article_save(
    *,
    actor: User,
    article: Article | None = None,
    tags: Iterable[str] | None = None,
    projects: Iterable[Project] | None = None,
    applies_to: Sequence[Mapping[str, str]] | None = None,
    **fields: Any,
) -> Article:
    """Create or change an article (staff). Every change is a revision in its history; the
    search index follows."""
    require_staff(actor)
    article = article or Article(author=actor)
    assign(article, fields)
    if article.translation_of_id and article.translation_of_id == article.pk:
        raise ServiceDeskError(_("An article is not its own translation."), field="translation_of")
    if article.translation_of_id and article.translation_of.language == article.language:
        raise ServiceDeskError(_("A translation is in the other language."), field="translation_of")
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    audited_save(article, actor=actor)
    if tags is not None:
        article.tags.set(_tags(tags))
    if projects is not None:
        article.projects.set(projects)
    if applies_to is not None:
        article.applies_to.all().delete()
        for row in applies_to:
            validated_save(AppliesTo(article=article, product=row["product"], versions=row.get("versions", "")))
    search.article_index(article)
    return article


def articles_reindex(articles: Iterable[Article] | None = None) -> int:
    """Rewrite the search index of ``articles`` (default: all), e.g. after a category or tag is
    renamed."""
    articles = Article.objects.all() if articles is None else articles
    count = 0
    for article in articles:
        search.article_index(article)
        count += 1
    return count


def _language_of(text: str) -> str:
    return Language.CHINESE if any("\u4e00" <= char <= "\u9fff" for char in text) else Language.ENGLISH


@transaction.atomic
def article_from_ticket(*, ticket_id: int, actor: User) -> Article:
    """A staff-only draft from a resolved ticket: its title, the symptoms, and the public
    replies that resolved it, for an engineer to edit into a guide."""
    require_staff(actor)
    ticket = Ticket.objects.select_related("project").get(pk=ticket_id)
    if ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        raise ServiceDeskError(_("Only a resolved ticket can become an article."))
    replies = [comment.body.strip() for comment in ticket.comments.filter(public=True) if comment.body.strip()]
    language = _language_of(ticket.title + ticket.description)
    with_language = (
        {"symptoms": "现象", "measures": "已采取的措施", "solution": "解决方法"}
        if language == Language.CHINESE
        else {"symptoms": "Symptoms", "measures": "Measures already taken", "solution": "Solution"}
    )
    parts = [f"{with_language['symptoms']}\n\n{ticket.description.strip()}"]
    if ticket.measures_taken.strip():
        parts.append(f"{with_language['measures']}\n\n{ticket.measures_taken.strip()}")
    parts.append(f"{with_language['solution']}\n\n" + ("\n\n".join(replies) or "…"))
    article = article_save(
        actor=actor,
        title=ticket.title,
        body="\n\n".join(parts),
        language=language,
        kind=Article.Kind.TROUBLESHOOTING,
        visibility=Article.Visibility.STAFF,
        status=Article.Status.DRAFT,
        source_ticket=ticket,
        applies_to=[
            {"product": product.name, "versions": product.version} for product in ticket.project.products.all()
        ],
    )
    return article


def solved_visitor(*, user: User | None, session_key: str = "") -> str:
    """Who says "this solved it", for counting once per article: a signed-in person by their
    id; an anonymous visitor by a digest of their session key (the session cookie), never the
    key itself; nobody known: ""."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if session_key:
        return "anon:" + hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return ""


def _take_anonymous_turn(client: str) -> None:
    """Count one anonymous click from ``client`` (an address) in this hour's window; past
    ``KB_SOLVED_ANONYMOUS_PER_HOUR`` the click is refused."""
    limit = settings.KB_SOLVED_ANONYMOUS_PER_HOUR
    window = int(timezone.now().timestamp()) // 3600
    key = f"kb-solved:{hashlib.sha256(client.encode()).hexdigest()[:32]}:{window}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=3600)
        count = 1
    if count > limit:
        raise SolvedTooOften(
            _("Too many answers from your address; please try again later."),
        )


@transaction.atomic
def article_solved(
    *,
    article: Article,
    user: User | None,
    query: str = "",
    source: str = Deflection.Source.ARTICLE,
    visitor: str = "",
    client: str = "",
) -> Deflection:
    """Someone says ``article`` solved their problem: a ticket not filed. Counted once per
    visitor and article (``solved_visitor``: a signed-in person, or an anonymous visitor's
    session); the same visitor saying it again changes nothing and gets that first record.
    A new anonymous answer takes a turn of its ``client`` address's hourly allowance
    (``SolvedTooOften`` past it)."""
    if article.status != Article.Status.PUBLISHED:
        raise ServiceDeskError(_("This article is not published."))
    signed_in = user is not None and user.is_authenticated
    key = solved_visitor(user=user) if signed_in else visitor
    if key:
        first = Deflection.objects.filter(article=article, visitor=key).first()
        if first is not None:
            return first
    if not signed_in and client:
        _take_anonymous_turn(client)
    try:
        with transaction.atomic():
            return Deflection.objects.create(
                article=article,
                user=user if signed_in else None,
                organisation_id=user.organisation_id if signed_in else None,
                query=query.strip()[:500],
                source=source,
                visitor=key,
            )
    except IntegrityError:
        # the same visitor's second click raced in and committed first
        if not key:
            raise
        return Deflection.objects.get(article=article, visitor=key)


@transaction.atomic
def category_save(*, category: Category | None = None, **fields: Any) -> Category:
    """Create or change a category; a new name (in either language) is searched at once."""
    names = ("name", "name_zh")
    previous = Category.objects.filter(pk=category.pk).values_list(*names).first() if category and category.pk else None
    category = category or Category()
    assign(category, fields)
    validated_save(category)
    if previous is not None and previous != tuple(getattr(category, name) for name in names):
        articles_reindex(category.articles.all())
    return category


@transaction.atomic
def tag_save(*, tag: Tag | None = None, **fields: Any) -> Tag:
    """Create or change a tag; a new name is searched at once."""
    previous = Tag.objects.filter(pk=tag.pk).values_list("name", flat=True).first() if tag and tag.pk else None
    tag = tag or Tag()
    assign(tag, fields)
    validated_save(tag)
    if previous is not None and previous != tag.name:
        articles_reindex(tag.articles.all())
    return tag
