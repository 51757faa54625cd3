"""Searching the knowledge base in English and Chinese, behind one function: ``search``.

Chinese is written without spaces, so a word-based index sees "服务器故障排除指南" as one
word and a search for "故障" finds nothing. We index Chinese the way Lucene's CJK analyser
does: every run of Chinese characters becomes its overlapping two-character pieces (bigrams:
服务 务器 器故 故障 障排 …) plus its single characters, and a query is cut the same way. Any
two-character word inside a longer title is then a term of the index; longer words match as
the chain of their bigrams. This needs no dictionary and no database extension (zhparser and
pg_jieba are not packaged for Debian's PostgreSQL; pg_trgm pads words with spaces, so a
two-character word has no trigram in common with a longer run).

- PostgreSQL: ``Article.search_vector`` holds ``to_tsvector('english', …)`` of the cut text,
  weighted (title A; category, tags and products B; body C) and GIN-indexed. English words are
  stemmed by Snowball ("failing", "failed" and "fails" are all "fail"; "failure" is "failur",
  which only the prefix of a word still being typed reaches); Chinese pieces pass through the
  English configuration unchanged. The query is the OR of its terms (the last English word as a
  prefix, for search as you type), ranked by ``ts_rank`` so the article matching most terms,
  and in its title, comes first.
- SQLite (a laptop's few articles): each term is a substring test on the cut text, scored in
  Python with the same weights.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from training.models import Article

# CJK unified ideographs (with extension A and the compatibility block)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# a run of Chinese, or a run of other letters and digits: "RAID阵列" is "raid" and "阵列"
_TOKEN = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
_IS_HAN = re.compile(rf"[{_HAN}]")
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2}
SQLITE_WEIGHTS = {"A": 10, "B": 4, "C": 2}
MAX_TERMS = 32


def terms(text: str, *, unigrams: bool = False) -> list[str]:
    """The terms of ``text``: lower-case words, and Chinese runs cut into bigrams (and, for
    indexing, single characters too, so a one-character query is found)."""
    out: list[str] = []
    # NFKC: the full-width letters and digits of a Chinese input method ("ＲＡＩＤ") are plain ones
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", text).lower()):
        if not _IS_HAN.match(token):
            out.append(token)
            continue
        if len(token) == 1:
            out.append(token)
            continue
        out.extend(token[i : i + 2] for i in range(len(token) - 1))
        if unigrams:
            out.extend(token)
    return out


def query_terms(text: str) -> list[str]:
    return list(dict.fromkeys(terms(text)))[:MAX_TERMS]


def _sections(article: Article) -> dict[str, str]:
    meta = [article.category.name, article.category.name_zh] if article.category_id else []
    meta += [tag.name for tag in article.tags.all()]
    meta += [f"{applies.product} {applies.versions}" for applies in article.applies_to.all()]
    return {"A": article.title, "B": " ".join(meta), "C": article.body}


def article_index(article: Article) -> None:
    """Write the article's search columns from its title, meta and body (called by the
    services after every change to them)."""
    cut = {weight: " ".join(terms(text, unigrams=True)) for weight, text in _sections(article).items()}
    document = "\n".join(cut.values())
    vector = None
    if connection.vendor == "postgresql":
        vector = (
            SearchVector(Value(cut["A"]), config="english", weight="A")
            + SearchVector(Value(cut["B"]), config="english", weight="B")
            + SearchVector(Value(cut["C"]), config="english", weight="C")
        )
    Article.objects.filter(pk=article.pk).update(search_document=document, search_vector=vector)


def search(queryset: QuerySet[Article], text: str) -> QuerySet[Article]:
    """The articles of ``queryset`` that match ``text``, best match first. ``queryset`` is
    already what the caller may see."""
    words = query_terms(text)
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        return _search_postgresql(queryset, words, text)
    return _search_fallback(queryset, words)


def _search_postgresql(queryset: QuerySet[Article], words: list[str], text: str) -> QuerySet[Article]:
    # the English word still being typed (the text ends with it): "print" finds "printer"
    typed = unicodedata.normalize("NFKC", text).lower()
    last = _TOKEN.findall(typed)[-1]
    prefix = last if not _IS_HAN.match(last) and typed.endswith(last) else None
    query = None
    for word in words:
        if word == prefix:
            part = SearchQuery(f"{word}:*", config="english", search_type="raw")
        else:
            part = SearchQuery(word, config="english", search_type="plain")
        query = part if query is None else query | part
    rank = SearchRank(F("search_vector"), query, weights=[0.0, WEIGHTS["C"], WEIGHTS["B"], WEIGHTS["A"]])
    return queryset.filter(search_vector=query).annotate(rank=rank).order_by("-rank", "-published_at", "-pk")


def _score(document: str, words: list[str]) -> int:
    sections = dict(zip("ABC", [*document.split("\n"), "", "", ""][:3], strict=False))
    score = 0
    for word in words:
        for weight, section in sections.items():
            hits = section.count(word)
            score += SQLITE_WEIGHTS[weight] * min(hits, 3)
    return score


def _search_fallback(queryset: QuerySet[Article], words: list[str]) -> QuerySet[Article]:
    condition = Q()
    for word in words:
        condition |= Q(search_document__contains=word)
    scores = {
        pk: _score(document, words)
        for pk, document in queryset.filter(condition).values_list("pk", "search_document")[:500]
    }
    if not scores:
        return queryset.none()
    rank = Case(*(When(pk=pk, then=Value(score)) for pk, score in scores.items()), output_field=IntegerField())
    return queryset.filter(pk__in=scores).annotate(rank=rank).order_by("-rank", "-published_at", "-pk")
