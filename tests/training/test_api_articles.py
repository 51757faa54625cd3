"""The knowledge base API: articles (staff write; ``?q=`` searches, best match first, in English
and Chinese; solved, history, from-ticket) and categories. Customers read only what is meant
for them: never staff-only articles, drafts, or the customers-only articles of another
organisation's project."""

import pytest

from tests.customers.factories import ProjectFactory
from tickets.models import Ticket
from tickets.services import comment_add, ticket_create, ticket_update
from training import services
from training.models import Article, Category, Deflection

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/articles/"
CATEGORIES = "/api/v1/article-categories/"


def assert_bad(response, *fields: str) -> dict:
    """A 400 in the one error format, naming exactly these fields."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body["errors"]) == set(fields), body
    return body


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return [row["id"] for row in rows]


def search(client, text: str, **params) -> list[int]:
    return ids(client.get(ARTICLES, {"q": text, **params}))


@pytest.fixture
def category(db):
    return Category.objects.create(name="Printers", name_zh="打印机", position=1)


def resolved_ticket(project, customer, engineer, title="Label printer jams every morning") -> Ticket:
    ticket = ticket_create(
        actor=customer, project=project, title=title, description="The labels stick together at 8:00."
    )
    comment_add(ticket_id=ticket.pk, actor=engineer, body="Replace the label roll holder; it was bent.")
    ticket_update(ticket_id=ticket.pk, actor=engineer, status=Ticket.Status.RESOLVED)
    return ticket


# --- writing articles -----------------------------------------------------------------------


def test_staff_create_an_article_with_title_body_language_and_visibility(api, engineer, customer_a):
    data = {"title": "Resetting the gateway", "body": "Hold the reset button for ten seconds.", "language": "en"}
    response = api.as_user(engineer).post(ARTICLES, {**data, "visibility": "customers"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Resetting the gateway" and body["language"] == "en"
    assert body["visibility"] == "customers" and body["status"] == "published" and body["kind"] == "troubleshooting"
    assert body["published_at"] and body["author_name"] == str(engineer)
    assert body["category"] is None and body["tags"] == [] and body["projects"] == [] and body["applies_to"] == []
    assert body["translation_of"] is None and body["source_ticket"] is None and body["rank"] is None
    assert body["url"].startswith("http") and body["url"].endswith(f"/training/kb/{body['id']}/")
    # every customer reads it (it names no project)
    assert api.as_user(customer_a).get(f"{ARTICLES}{body['id']}/").status_code == 200


def test_staff_create_a_chinese_article_that_search_then_finds(api, engineer, customer_a):
    data = {
        "title": "打印机卡纸处理",
        "body": "打开盖子，取出卡住的标签纸。",
        "language": "zh-hans",
        "visibility": "public",
    }

    response = api.as_user(engineer).post(ARTICLES, data, format="json")

    assert response.status_code == 201, response.content
    assert search(api.as_user(customer_a), "卡纸") == [response.json()["id"]]


def test_staff_create_an_article_with_everything(api, engineer, articles, category, project_a):
    data = {
        "title": "标签打印机卡纸",
        "body": "打开盖子，取出标签卷。",
        "language": "zh-hans",
        "visibility": "customers",
        "kind": "faq",
        "status": "draft",
        "category": category.pk,
        "tags": ["printer", " labels ", "printer"],
        "projects": [project_a.pk],
        "applies_to": [{"product": "LabelJet", "versions": "2.x"}, {"product": "LabelJet Pro"}],
        "translation_of": articles["printer"].pk,
    }
    response = api.as_user(engineer).post(ARTICLES, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "faq" and body["status"] == "draft" and body["published_at"] is None
    assert body["category"] == {"id": category.pk, "name": "Printers", "name_zh": "打印机"}
    assert sorted(body["tags"]) == ["labels", "printer"]
    assert body["projects"] == [project_a.pk]
    assert body["applies_to"] == [
        {"product": "LabelJet", "versions": "2.x"},
        {"product": "LabelJet Pro", "versions": ""},
    ]
    assert body["translation_of"] == articles["printer"].pk
    # the product names are searched too
    assert search(api.as_user(engineer), "labeljet") == [body["id"]]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": 7}, "body"),
        ({"language": "fr"}, "language"),
        ({"language": "zh"}, "language"),
        ({"visibility": "everyone"}, "visibility"),
        ({"kind": "novel"}, "kind"),
        ({"status": "live"}, "status"),
        ({"category": 999999}, "category"),
        ({"category": "1"}, "category"),
        ({"tags": "printer"}, "tags"),
        ({"tags": [5]}, "tags"),
        ({"tags": ["x" * 51]}, "tags"),
        ({"projects": [999999]}, "projects"),
        ({"projects": 1}, "projects"),
        ({"projects": {}}, "projects"),
        ({"projects": ["1"]}, "projects"),
        ({"applies_to": [{"versions": "2.x"}]}, "applies_to"),
        ({"applies_to": {"product": "X"}}, "applies_to"),
        ({"applies_to": [{"product": ""}]}, "applies_to"),
        ({"translation_of": 999999}, "translation_of"),
    ],
)
def test_a_bad_article_is_refused_and_nothing_is_saved(api, engineer, data, field):
    article = {"title": "Gateway", "body": "Reset it.", "language": "en", "visibility": "public", **data}

    assert_bad(api.as_user(engineer).post(ARTICLES, article, format="json"), field)

    assert not Article.objects.exists()


@pytest.mark.parametrize("missing", ["title", "body", "language"])
def test_title_body_and_language_are_required(api, engineer, missing):
    article = {"title": "Gateway", "body": "Reset it.", "language": "en", "visibility": "public"}
    article.pop(missing)

    assert_bad(api.as_user(engineer).post(ARTICLES, article, format="json"), missing)
    assert not Article.objects.exists()


def test_an_article_without_a_visibility_is_for_staff_only(api, engineer, customer_a):
    data = {"title": "Gateway", "body": "Reset it.", "language": "en"}

    response = api.as_user(engineer).post(ARTICLES, data, format="json")

    assert response.status_code == 201 and response.json()["visibility"] == "staff"
    assert api.as_user(customer_a).get(f"{ARTICLES}{response.json()['id']}/").status_code == 404


def test_a_bad_change_is_refused_and_the_article_is_unchanged(api, engineer, articles, project_a):
    url = f"{ARTICLES}{articles['printer'].pk}/"
    client = api.as_user(engineer)

    # a PATCH skips a nested row's required fields, so the product is checked by hand
    assert_bad(client.patch(url, {"title": "X", "applies_to": [{"versions": "2.x"}]}, format="json"), "applies_to")
    assert_bad(client.patch(url, {"title": "X", "projects": {}}, format="json"), "projects")
    assert_bad(client.patch(url, {"translation_of": articles["printer"].pk}, format="json"), "translation_of")
    assert_bad(client.put(url, {"title": "X"}, format="json"), "body", "language")
    printer = Article.objects.get(pk=articles["printer"].pk)
    assert printer.title == "Printer paper jam" and printer.translation_of is None
    assert printer.history.count() == 1


def test_customers_do_not_write_articles(api, customer_a, customer_b, articles):
    data = {"title": "Mine", "body": "Mine", "language": "en", "visibility": "public"}
    network = f"{ARTICLES}{articles['network'].pk}/"

    assert api.as_user(customer_a).post(ARTICLES, data, format="json").status_code == 403
    assert api.as_user(customer_a).patch(network, {"title": "Mine"}, format="json").status_code == 403
    assert api.as_user(customer_b).patch(network, {"title": "Mine"}, format="json").status_code == 404
    assert (
        api.as_user(customer_a)
        .patch(f"{ARTICLES}{articles['internal'].pk}/", {"title": "x"}, format="json")
        .status_code
        == 404
    )
    articles["network"].refresh_from_db()
    assert articles["network"].title == "网络中断的处理方法" and Article.objects.count() == 5


def test_staff_change_an_article_and_its_history_lists_the_revisions(
    api, engineer, manager, customer_a, customer_b, articles
):
    printer = articles["printer"]
    response = api.as_user(manager).patch(
        f"{ARTICLES}{printer.pk}/", {"title": "Label printer paper jam", "visibility": "customers"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Label printer paper jam" and response.json()["tags"] == ["printer"]
    # PUT replaces the four fields
    data = {"title": "Label printer jam", "body": "Open the cover.", "language": "en", "visibility": "public"}
    assert api.as_user(engineer).put(f"{ARTICLES}{printer.pk}/", data, format="json").status_code == 200

    history = api.as_user(engineer).get(f"{ARTICLES}{printer.pk}/history/")

    assert history.status_code == 200, history.content
    rows = history.json()["results"]
    assert [(row["history_type"], row["title"], row["visibility"], row["history_user"]) for row in rows] == [
        ("~", "Label printer jam", "public", str(engineer)),
        ("~", "Label printer paper jam", "customers", str(manager)),
        ("+", "Printer paper jam", "public", str(engineer)),
    ]
    assert all(row["status"] == "published" and row["history_id"] and row["history_date"] for row in rows)
    # staff only: a customer who may read the article is refused, one who may not does not find it
    assert api.as_user(customer_a).get(f"{ARTICLES}{printer.pk}/history/").status_code == 403
    assert api.as_user(customer_b).get(f"{ARTICLES}{articles['network'].pk}/history/").status_code == 404


def test_anonymous_callers_get_401(api, articles):
    assert api.get(ARTICLES).status_code == 401
    assert api.get(ARTICLES, {"q": "printer"}).status_code == 401
    assert api.get(f"{ARTICLES}{articles['printer'].pk}/").status_code == 401
    assert api.get(CATEGORIES).status_code == 401
    assert api.post(f"{ARTICLES}{articles['printer'].pk}/solved/", {}, format="json").status_code == 401
    assert not Deflection.objects.exists()


# --- what customers see ---------------------------------------------------------------------


def test_customers_read_only_the_articles_meant_for_them(api, engineer, customer_a, customer_b, articles):
    everything = {article.pk for article in articles.values()}
    public = {articles["printer"].pk, articles["server"].pk}

    assert set(ids(api.as_user(engineer).get(ARTICLES))) == everything
    assert set(ids(api.as_user(customer_a).get(ARTICLES))) == public | {articles["network"].pk}
    assert set(ids(api.as_user(customer_b).get(ARTICLES))) == public
    for name in ("network", "internal", "draft"):
        assert api.as_user(customer_b).get(f"{ARTICLES}{articles[name].pk}/").status_code == 404
    for name in ("internal", "draft"):
        assert api.as_user(customer_a).get(f"{ARTICLES}{articles[name].pk}/").status_code == 404


def test_a_customer_sees_only_its_own_projects_of_an_article_and_not_its_ticket(
    api, engineer, customer_a, customer_b, project_a, project_b
):
    ticket = resolved_ticket(project_a, customer_a, engineer)
    draft = services.article_from_ticket(ticket_id=ticket.pk, actor=engineer)
    services.article_save(
        actor=engineer,
        article=draft,
        visibility=Article.Visibility.CUSTOMERS,
        status=Article.Status.PUBLISHED,
        projects=[project_a, project_b],
    )

    as_b = api.as_user(customer_b).get(f"{ARTICLES}{draft.pk}/").json()
    assert as_b["projects"] == [project_b.pk] and as_b["source_ticket"] is None
    as_staff = api.as_user(engineer).get(f"{ARTICLES}{draft.pk}/").json()
    assert as_staff["projects"] == sorted([project_a.pk, project_b.pk]) and as_staff["source_ticket"] == ticket.pk


# --- search ---------------------------------------------------------------------------------


def test_a_two_character_chinese_word_inside_a_longer_title_is_found_first(api, engineer, customer_a, articles):
    services.article_save(
        actor=engineer,
        title="服务器日常维护",
        body="每月检查一次风扇。如有故障，请联系我们。",
        language="zh-hans",
        visibility=Article.Visibility.PUBLIC,
    )
    client = api.as_user(customer_a)

    found = search(client, "故障")

    assert found[0] == articles["server"].pk and len(found) == 2
    assert search(client, "排除")[0] == articles["server"].pk
    assert search(client, "故障排除")[0] == articles["server"].pk
    assert search(client, "交换机") == [articles["network"].pk]


def test_an_english_query_finds_the_best_match_first(api, engineer, customer_a, articles):
    services.article_save(
        actor=engineer,
        title="Cleaning the label printer",
        body="Wipe the print head weekly; a dirty head can cause a jam now and then.",
        language="en",
        visibility=Article.Visibility.PUBLIC,
    )

    found = search(api.as_user(customer_a), "printer jam")

    assert found[0] == articles["printer"].pk and len(found) == 2


def test_search_never_shows_a_customer_staff_only_or_draft_articles(api, engineer, customer_a, customer_b, articles):
    assert search(api.as_user(customer_a), "printer") == [articles["printer"].pk]  # not the draft
    assert articles["draft"].pk in search(api.as_user(engineer), "printer")
    assert search(api.as_user(customer_a), "controller password") == []
    assert search(api.as_user(engineer), "controller password") == [articles["internal"].pk]
    assert search(api.as_user(customer_b), "交换机") == []  # customers of project A only


def test_the_search_order_stays_whatever_the_ordering_asked(api, engineer, articles):
    client = api.as_user(engineer)

    ranked = search(client, "printer jam")
    assert ranked == [articles["printer"].pk, articles["draft"].pk]
    assert search(client, "printer jam", ordering="title") == ranked
    assert search(client, "printer jam", ordering="-updated_at") == ranked
    # without q the ordering applies
    assert ids(client.get(ARTICLES, {"ordering": "title"}))[0] == articles["draft"].pk


def test_a_search_answers_its_rank_and_combines_with_the_filters(api, engineer, customer_a, articles):
    client = api.as_user(engineer)

    rows = client.get(ARTICLES, {"q": "printer jam"}).json()["results"]
    assert rows[0]["rank"] > rows[1]["rank"] > 0
    assert search(client, "printer", language="zh-hans") == []
    assert search(client, "printer", status="published") == [articles["printer"].pk]
    assert search(client, "   ") == ids(client.get(ARTICLES))  # nothing to search: everything
    assert search(client, "!!!") == []


def test_articles_filter_by_language_visibility_status_category_tag_and_kind(api, engineer, articles, category):
    services.article_save(actor=engineer, article=articles["server"], category=category, kind=Article.Kind.FAQ)
    client = api.as_user(engineer)

    assert set(ids(client.get(ARTICLES, {"language": "zh-hans"}))) == {articles["server"].pk, articles["network"].pk}
    assert ids(client.get(ARTICLES, {"visibility": "staff"})) == [articles["internal"].pk]
    assert ids(client.get(ARTICLES, {"status": "draft"})) == [articles["draft"].pk]
    assert ids(client.get(ARTICLES, {"category": category.pk})) == [articles["server"].pk]
    assert ids(client.get(ARTICLES, {"tag": "Printer"})) == [articles["printer"].pk]
    assert ids(client.get(ARTICLES, {"kind": "faq"})) == [articles["server"].pk]


@pytest.mark.parametrize(
    "params",
    [
        {"language": "fr"},
        {"language": ""},
        {"visibility": "everyone"},
        {"status": "live"},
        {"category": "x"},
        {"category": "999999"},
        {"kind": "novel"},
    ],
)
def test_a_bad_article_filter_is_a_400(api, engineer, params):
    assert_bad(api.as_user(engineer).get(ARTICLES, params), *params)


@pytest.mark.parametrize("count", [2, 8])
def test_the_article_list_query_count_does_not_grow(
    api, engineer, customer_a, project_a, category, count, django_assert_max_num_queries
):
    for n in range(count):
        services.article_save(
            actor=engineer,
            title=f"Printer fault {n}",
            body="Check the printer.",
            language="en",
            visibility=Article.Visibility.CUSTOMERS,
            category=category,
            tags=["printer", f"tag {n}"],
            projects=[project_a],
            applies_to=[{"product": "LabelJet", "versions": "2.x"}],
        )
    client = api.as_user(customer_a)

    with django_assert_max_num_queries(6):
        assert len(ids(client.get(ARTICLES))) == count
    with django_assert_max_num_queries(7):  # SQLite scores the matches in one more query
        assert len(search(client, "printer")) == count


# --- this solved it -------------------------------------------------------------------------


def test_solved_counts_a_deflection_once_per_person_and_hour(api, customer_a, customer_b, articles):
    url = f"{ARTICLES}{articles['printer'].pk}/solved/"

    response = api.as_user(customer_a).post(url, {"query": "printer jam"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "article", "created_at"} and body["article"] == articles["printer"].pk
    deflection = Deflection.objects.get()
    assert deflection.source == Deflection.Source.API and deflection.query == "printer jam"
    assert deflection.user == customer_a and deflection.organisation == customer_a.organisation
    again = api.as_user(customer_a).post(url, {}, format="json")
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert api.as_user(customer_b).post(url, {}, format="json").status_code == 201
    assert Deflection.objects.count() == 2


def test_solved_needs_a_published_article_the_caller_may_read(api, engineer, customer_b, articles):
    assert (
        api.as_user(customer_b).post(f"{ARTICLES}{articles['network'].pk}/solved/", {}, format="json").status_code
        == 404
    )
    assert_bad(api.as_user(engineer).post(f"{ARTICLES}{articles['draft'].pk}/solved/", {}, format="json"))
    assert_bad(
        api.as_user(engineer).post(f"{ARTICLES}{articles['printer'].pk}/solved/", {"query": 5}, format="json"),
        "query",
    )
    assert not Deflection.objects.exists()


# --- a draft from a ticket ------------------------------------------------------------------


def test_staff_turn_a_resolved_ticket_into_a_staff_only_draft(api, engineer, customer_a, project_a):
    ticket = resolved_ticket(project_a, customer_a, engineer)

    assert (
        api.as_user(customer_a).post(f"{ARTICLES}from-ticket/", {"ticket": ticket.pk}, format="json").status_code == 403
    )
    response = api.as_user(engineer).post(f"{ARTICLES}from-ticket/", {"ticket": ticket.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["visibility"] == "staff" and body["source_ticket"] == ticket.pk
    assert body["title"] == "Label printer jams every morning" and body["language"] == "en"
    assert "Replace the label roll holder" in body["body"]
    assert api.as_user(customer_a).get(f"{ARTICLES}{body['id']}/").status_code == 404


def test_only_a_resolved_ticket_becomes_an_article(api, engineer, customer_a, project_a):
    ticket = ticket_create(actor=customer_a, project=project_a, title="Still broken", description="It fails.")
    url = f"{ARTICLES}from-ticket/"

    assert_bad(api.as_user(engineer).post(url, {"ticket": ticket.pk}, format="json"))
    assert_bad(api.as_user(engineer).post(url, {"ticket": 999999}, format="json"), "ticket")
    assert_bad(api.as_user(engineer).post(url, {"ticket": str(ticket.pk)}, format="json"), "ticket")
    assert_bad(api.as_user(engineer).post(url, {}, format="json"), "ticket")
    assert not Article.objects.exists()


def test_a_chinese_ticket_becomes_a_chinese_draft(api, engineer, customer_a, org_a):
    project = ProjectFactory(organisation=org_a)
    ticket = resolved_ticket(project, customer_a, engineer, title="服务器无法启动")

    response = api.as_user(engineer).post(f"{ARTICLES}from-ticket/", {"ticket": ticket.pk}, format="json")

    assert response.status_code == 201 and response.json()["language"] == "zh-hans"


# --- categories -----------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_categories_in_their_order(api, customer_b, engineer, category):
    first = Category.objects.create(name="Networks", name_zh="网络", position=0)

    response = api.as_user(customer_b).get(CATEGORIES)

    assert response.status_code == 200
    assert response.json() == [
        {"id": first.pk, "name": "Networks", "name_zh": "网络", "position": 0},
        {"id": category.pk, "name": "Printers", "name_zh": "打印机", "position": 1},
    ]
    assert api.as_user(engineer).post(CATEGORIES, {"name": "X"}, format="json").status_code == 405
    assert Category.objects.count() == 2
