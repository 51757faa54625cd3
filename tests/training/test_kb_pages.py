"""The knowledge-base pages: the list and its search for every role (anonymous visitors too),
an article with its translations and "this solved my problem", the staff form and history, the
suggestions beside the fault report form, and the draft article from a resolved ticket.

Articles (tests/training/conftest.py): "printer" public English, "server" public Chinese,
"network" Chinese for project A's customers, "internal" staff only, "draft" an English draft."""

import pytest
from django.db import connection
from django.urls import reverse

from tickets import services as ticket_services
from tickets.models import Ticket
from training import services
from training.models import Article, Category, Deflection, Language

pytestmark = pytest.mark.django_db

KB = reverse("training:kb")
SUGGEST = reverse("training:suggest")
ROLES = ["anonymous", "customer_a", "customer_b", "engineer", "manager"]
# which fixture articles each role finds in the list and may open
SEES = {
    "anonymous": {"printer", "server"},
    "customer_a": {"printer", "server", "network"},
    "customer_b": {"printer", "server"},
    "engineer": {"printer", "server", "network", "internal", "draft"},
    "manager": {"printer", "server", "network", "internal", "draft"},
}


@pytest.fixture
def as_role(client, request):
    """A client signed in as the named role's fixture user (none for ``anonymous``)."""

    def sign_in(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return sign_in


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [article.pk for article in response.context["page"]]


def position(text: str, *needles: str) -> list[int]:
    found = [text.find(needle) for needle in needles]
    assert -1 not in found, needles
    return found


def detail(article: Article) -> str:
    return reverse("training:article_detail", args=[article.pk])


def solved(article: Article) -> str:
    return reverse("training:article_solved", args=[article.pk])


def form_data(**override) -> dict:
    data = {
        "title": "Label printer prints blank labels",
        "body": "Replace the ribbon.\n\nSee https://example.com/ribbons for the part numbers.",
        "language": "en",
        "kind": Article.Kind.TROUBLESHOOTING,
        "visibility": Article.Visibility.PUBLIC,
        "status": Article.Status.PUBLISHED,
        "category": "",
        "tags": "printer, ribbon，labels",
        "applies_to": "Label printer | 2.x, 3.0\nPrint server",
        "translation_of": "",
    }
    data.update(override)
    return data


@pytest.fixture
def resolved_ticket(project_a, customer_a, engineer) -> Ticket:
    ticket = ticket_services.ticket_create(
        actor=customer_a,
        project=project_a,
        title="Label printer stops with a paper jam",
        description="The printer stops after every ten labels.",
    )
    ticket_services.comment_add(ticket_id=ticket.pk, actor=engineer, body="Clean the paper guide and reload the roll.")
    return ticket_services.ticket_update(ticket_id=ticket.pk, actor=engineer, status="resolved")


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_each_role_the_articles_meant_for_it(as_role, articles, role):
    client = as_role(role)
    response = client.get(KB)
    expected = {articles[name].pk for name in SEES[role]}
    assert set(listed(response)) == expected
    staff = role in ("engineer", "manager")
    assert ('id="new-article"' in response.text) is staff
    assert ("kb-status" in response.text) is staff  # the draft's badge
    assert ("kb-visibility" in response.text) is staff
    assert 'lang="zh-hans"' in response.text  # the 中文 badge of the Chinese article
    assert ('id="sign-in-hint"' in response.text) is (role == "anonymous")


@pytest.mark.parametrize("role", ROLES)
def test_an_article_opens_for_those_who_may_read_it_and_is_not_found_otherwise(as_role, articles, role):
    client = as_role(role)
    for name, article in articles.items():
        response = client.get(detail(article))
        if name in SEES[role]:
            assert response.status_code == 200, (role, name)
            assert article.title in response.text
            assert ('id="edit-article"' in response.text) is (role in ("engineer", "manager"))
        else:
            assert response.status_code == 404, (role, name)


def test_the_anonymous_list_is_the_base_page_without_the_navigation(client, articles):
    response = client.get(KB)
    assert response.status_code == 200
    assert "Knowledge base" in response.text
    assert 'id="user-menu"' not in response.text
    assert 'id="language-switcher"' in response.text


@pytest.mark.parametrize("name", ["article_create", "article_edit", "article_history"])
def test_the_staff_pages_are_closed_to_customers_and_ask_visitors_to_sign_in(client, articles, customer_a, name):
    url = reverse(f"training:{name}", args=[] if name == "article_create" else [articles["printer"].pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(customer_a)
    assert client.get(url).status_code == 403


# --- search and filters -----------------------------------------------------------------------


def test_search_ranks_the_best_english_match_first(client, engineer, articles):
    client.force_login(engineer)
    response = client.get(KB, {"q": "printer paper jam"})
    pks = listed(response)
    assert pks[0] == articles["printer"].pk
    assert articles["draft"].pk in pks  # staff find drafts too, lower down
    assert articles["server"].pk not in pks
    jam, crash = position(response.text, "Printer paper jam", "Printer driver crashes")
    assert jam < crash
    assert "best match first" in response.text


def test_search_finds_a_two_character_chinese_word_inside_a_longer_title(client, engineer, articles):
    services.article_save(
        actor=engineer,
        title="交换机日常维护",
        body="定期检查交换机，发现故障时记录端口号。",
        language="zh-hans",
        visibility=Article.Visibility.PUBLIC,
        status=Article.Status.PUBLISHED,
    )
    response = client.get(KB, {"q": "故障"})
    pks = listed(response)
    assert pks[0] == articles["server"].pk  # in the title beats in the body
    title, body_match = position(response.text, "服务器故障排除指南", "交换机日常维护")
    assert title < body_match
    assert articles["network"].pk not in pks  # for project A's customers, and no 故障 in it
    assert listed(client.get(KB, {"q": "交换机"}))[0] != articles["server"].pk


def test_search_keeps_to_what_the_user_may_see(client, customer_b, articles):
    assert listed(client.get(KB, {"q": "controller password"})) == []
    assert listed(client.get(KB, {"q": "网络中断"})) == []
    client.force_login(customer_b)
    assert listed(client.get(KB, {"q": "网络中断"})) == []
    assert 'id="no-articles"' in client.get(KB, {"q": "网络中断"}).text


def test_the_language_kind_category_and_tag_filters(client, engineer, articles):
    network = Category.objects.create(name="Network", name_zh="网络")
    services.article_save(actor=engineer, article=articles["network"], category=network)
    faq = services.article_save(
        actor=engineer,
        title="How often to clean the printer",
        body="Once a month.",
        language="en",
        kind=Article.Kind.FAQ,
        visibility=Article.Visibility.PUBLIC,
        status=Article.Status.PUBLISHED,
        tags=["printer"],
    )
    client.force_login(engineer)
    chinese = listed(client.get(KB, {"language": "zh-hans"}))
    assert set(chinese) == {articles["server"].pk, articles["network"].pk}
    assert listed(client.get(KB, {"kind": "faq"})) == [faq.pk]
    assert listed(client.get(KB, {"category": network.pk})) == [articles["network"].pk]
    assert set(listed(client.get(KB, {"tag": "PRINTER"}))) == {articles["printer"].pk, faq.pk}
    assert listed(client.get(KB, {"q": "printer", "language": "zh-hans"})) == []
    grouped = client.get(KB).text
    assert "Network" in grouped and "Other articles" in grouped
    # the language toggle keeps the other filters
    assert "kind=faq&amp;language=zh-hans" in client.get(KB, {"kind": "faq"}).text


def test_the_list_pages(client, engineer):
    for n in range(25):
        services.article_save(
            actor=engineer,
            title=f"Article {n}",
            body="Body",
            language="en",
            visibility=Article.Visibility.PUBLIC,
            status=Article.Status.PUBLISHED,
        )
    first = client.get(KB)
    assert len(listed(first)) == 20
    assert "Page 1 of 2" in first.text
    assert len(listed(client.get(KB, {"page": 2}))) == 5


@pytest.mark.parametrize("role", ["anonymous", "customer_a", "engineer"])
def test_the_list_runs_a_fixed_number_of_queries(as_role, engineer, project_a, role, django_assert_max_num_queries):
    categories = [Category.objects.create(name=f"Category {n}") for n in range(3)]
    for n in range(20):
        services.article_save(
            actor=engineer,
            title=f"Printer fault {n}",
            body="Printer body",
            language="en" if n % 2 else "zh-hans",
            visibility=Article.Visibility.PUBLIC if n % 3 else Article.Visibility.CUSTOMERS,
            projects=[project_a] if n % 3 == 0 else [],
            status=Article.Status.PUBLISHED,
            category=categories[n % 3],
            tags=[f"tag{n}", "printer"],
            applies_to=[{"product": "Printer", "versions": "2.x"}],
        )
    client = as_role(role)
    client.get(KB)  # the session and the user's first load
    # the page's own: count, categories, articles, tags, products (and on SQLite the search's
    # scores); the rest is base.html's (session, user, on duty, bell)
    with django_assert_max_num_queries(10):
        browsed = client.get(KB)
    # SQLite scores the matches in a query of their own (training/search.py's fallback)
    with django_assert_max_num_queries(10 + (connection.vendor == "sqlite")):
        searched = client.get(KB, {"q": "printer fault"})
    assert len(listed(browsed)) == len(listed(searched)) == (13 if role == "anonymous" else 20)


# --- one article ----------------------------------------------------------------------------


def test_the_body_is_plain_text_with_links_and_never_html(client, engineer):
    article = services.article_save(
        actor=engineer,
        title="Odd <b>title</b>",
        body='<script>alert("x")</script>\n\nSee https://example.com/guide for more.',
        language="en",
        visibility=Article.Visibility.PUBLIC,
        status=Article.Status.PUBLISHED,
    )
    page = client.get(detail(article)).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "Odd &lt;b&gt;title&lt;/b&gt;" in page
    assert 'href="https://example.com/guide"' in page
    assert page.count("<p>") >= 2  # paragraphs


def test_an_article_links_its_translation_both_ways(client, engineer, articles, project_a):
    english = articles["printer"]
    chinese = services.article_save(
        actor=engineer,
        title="打印机卡纸",
        body="打开盖子，取出标签卷。",
        language="zh-hans",
        visibility=Article.Visibility.PUBLIC,
        status=Article.Status.PUBLISHED,
        translation_of=english,
    )
    services.article_save(actor=engineer, article=english, applies_to=[{"product": "Label printer", "versions": "2.x"}])
    page = client.get(detail(english)).text
    assert "阅读中文版" in page and detail(chinese) in page
    assert "Label printer" in page and "2.x" in page  # the products it applies to
    assert "#printer" in page  # its tag
    back = client.get(detail(chinese)).text
    assert "Read in English" in back and detail(english) in back
    # a translation the reader may not see is not linked
    staff_only = services.article_save(
        actor=engineer,
        title="Printer jam (internal notes)",
        body="…",
        language="en",
        visibility=Article.Visibility.STAFF,
        status=Article.Status.PUBLISHED,
        translation_of=chinese,
    )
    assert detail(staff_only) not in client.get(detail(chinese)).text


def test_staff_see_the_source_ticket_and_the_history_link(client, engineer, resolved_ticket):
    article = services.article_from_ticket(ticket_id=resolved_ticket.pk, actor=engineer)
    client.force_login(engineer)
    page = client.get(detail(article)).text
    assert reverse("tickets:detail", args=[resolved_ticket.pk]) in page
    assert reverse("training:article_history", args=[article.pk]) in page
    assert "Not published" in page  # a draft cannot be marked helpful


# --- this solved my problem -------------------------------------------------------------------


def test_solved_counts_once_per_person_and_hour(client, customer_a, articles):
    client.force_login(customer_a)
    article = articles["network"]
    first = client.post(solved(article), follow=True)
    assert first.redirect_chain[-1][0] == detail(article) + "?solved=1"
    assert "Thank you" in first.text
    client.post(solved(article))
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.user, deflection.organisation_id) == (
        article,
        customer_a,
        customer_a.organisation_id,
    )
    assert deflection.source == Deflection.Source.ARTICLE


def test_an_anonymous_visitor_counts_once_too(client, articles):
    client.post(solved(articles["printer"]))
    client.post(solved(articles["printer"]))
    client.post(solved(articles["server"]))
    assert Deflection.objects.filter(article=articles["printer"], user=None).count() == 1
    assert Deflection.objects.filter(article=articles["server"]).count() == 1


def test_solved_is_for_those_who_may_read_it_and_for_published_articles(client, customer_b, engineer, articles):
    assert client.get(solved(articles["printer"])).status_code == 405
    assert client.post(solved(articles["network"])).status_code == 404
    client.force_login(customer_b)
    assert client.post(solved(articles["network"])).status_code == 404
    client.force_login(engineer)
    response = client.post(solved(articles["draft"]), follow=True)
    assert "not published" in response.text
    assert not Deflection.objects.exists()


# --- staff write and review ---------------------------------------------------------------------


def test_staff_write_an_article_with_tags_products_and_projects(client, engineer, project_a, project_b):
    client.force_login(engineer)
    assert client.get(reverse("training:article_create")).status_code == 200
    response = client.post(
        reverse("training:article_create"),
        form_data(visibility=Article.Visibility.CUSTOMERS, projects=[project_a.pk]),
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(article)
    assert sorted(article.tags.values_list("name", flat=True)) == ["labels", "printer", "ribbon"]
    assert list(article.applies_to.values_list("product", "versions")) == [
        ("Label printer", "2.x, 3.0"),
        ("Print server", ""),
    ]
    assert list(article.projects.all()) == [project_a]
    assert article.author == engineer and article.published_at is not None
    # projects only count for articles for customers
    client.post(reverse("training:article_edit", args=[article.pk]), form_data(projects=[project_b.pk]))
    article.refresh_from_db()
    assert article.visibility == Article.Visibility.PUBLIC and not article.projects.exists()
    edit = client.get(reverse("training:article_edit", args=[article.pk])).text
    assert "Label printer | 2.x, 3.0" in edit and "labels, printer, ribbon" in edit


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"language": "fr"}, "language", "Select a valid choice."),
        ({"applies_to": "| 2.x"}, "applies_to", "Line 1 names no product."),
        ({"tags": "x" * 51}, "tags", "at most 50 characters"),
        ({"translation_of": "PRINTER"}, "translation_of", "in the other language"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, engineer, articles, override, field, message):
    if override.get("translation_of") == "PRINTER":
        override["translation_of"] = articles["printer"].pk  # English, like the new one
    client.force_login(engineer)
    count, revisions = Article.objects.count(), Article.history.count()
    response = client.post(reverse("training:article_create"), form_data(**override))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert (Article.objects.count(), Article.history.count()) == (count, revisions)
    # the same on an edit: the article keeps its text
    printer = articles["printer"]
    if field != "translation_of":
        edited = client.post(reverse("training:article_edit", args=[printer.pk]), form_data(**override))
        assert edited.status_code == 200 and edited.context["form"].errors[field]
        printer.refresh_from_db()
        assert printer.title == "Printer paper jam"
        assert list(printer.tags.values_list("name", flat=True)) == ["printer"]


def test_an_article_is_not_its_own_translation(client, engineer, articles):
    client.force_login(engineer)
    printer = articles["printer"]
    response = client.post(
        reverse("training:article_edit", args=[printer.pk]), form_data(translation_of=printer.pk, language="zh-hans")
    )
    assert response.status_code == 200 and response.context["form"].errors["translation_of"]
    printer.refresh_from_db()
    assert printer.language == Language.ENGLISH


def test_translate_starts_a_draft_with_the_originals_settings(client, engineer, articles):
    client.force_login(engineer)
    printer = articles["printer"]
    form = client.get(reverse("training:article_create"), {"translation_of": printer.pk}).context["form"]
    assert form.initial["language"] == Language.CHINESE
    assert form.initial["translation_of"] == printer
    assert form.initial["tags"] == "printer"
    assert form.initial["status"] == Article.Status.DRAFT


def test_the_history_lists_who_changed_what_and_shows_an_old_version(client, engineer, manager, articles):
    printer = articles["printer"]
    client.force_login(manager)
    client.post(
        reverse("training:article_edit", args=[printer.pk]),
        form_data(title="Printer paper jam: the fix", body="Open the cover.", tags="printer"),
    )
    history = reverse("training:article_history", args=[printer.pk])
    response = client.get(history)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 2
    newest, first = rows
    assert newest["record"].history_user == manager and first["record"].history_user == engineer
    labels = {change["label"] for change in newest["changes"]}
    assert {"title", "body"} <= labels
    assert "Printer paper jam</del> → <ins>Printer paper jam: the fix" in response.text
    old = client.get(history, {"revision": first["record"].history_id})
    assert old.context["revision"].title == "Printer paper jam"
    assert "remove the label roll" in old.text
    other = articles["server"].history.first()
    assert client.get(history, {"revision": other.history_id}).status_code == 404
    assert client.get(history, {"revision": "x"}).status_code == 404


def test_saving_the_form_again_changes_only_what_was_changed(client, engineer, articles):
    """Browsers send a textarea's lines with CRLF: the body is stored with LF, so saving it
    unchanged is no change of the body."""
    printer = articles["printer"]
    client.force_login(engineer)
    url = reverse("training:article_edit", args=[printer.pk])
    body = "Open the cover.\r\n\r\nRemove the roll."
    client.post(url, form_data(title="Printer paper jam", body=body, tags="printer"))
    client.post(url, form_data(title="Paper jam in the label printer", body=body, tags="printer"))
    printer.refresh_from_db()
    assert printer.body == "Open the cover.\n\nRemove the roll."
    newest = client.get(reverse("training:article_history", args=[printer.pk])).context["rows"][0]
    assert [change["label"] for change in newest["changes"]] == ["title"]


# --- beside the fault report form ---------------------------------------------------------------


def test_the_report_form_has_the_suggestions_box(client, customer_a, project_a):
    client.force_login(customer_a)
    page = client.get(reverse("tickets:create")).text
    assert 'id="kb-suggestions"' in page
    assert f'hx-get="{SUGGEST}"' in page
    assert 'hx-include="#id_title, #id_description"' in page
    assert 'aria-live="polite"' in page
    assert 'id="id_title"' in page and 'id="id_description"' in page


def test_suggestions_match_an_english_and_a_chinese_symptom(client, customer_a, articles):
    client.force_login(customer_a)
    english = client.get(SUGGEST, {"title": "Label printer", "description": "stops with a paper jam"})
    assert english.status_code == 200
    assert english.context["suggestions"][0] == articles["printer"]
    assert "Printer paper jam" in english.text and 'target="_blank"' in english.text
    assert 'name="source" value="ticket_form"' in english.text
    chinese = client.get(SUGGEST, {"title": "", "description": "服务器无法启动"})
    assert articles["server"] in chinese.context["suggestions"]
    assert "服务器故障排除指南" in chinese.text and "中文" in chinese.text
    network = client.get(SUGGEST, {"title": "网络中断"})
    assert articles["network"] in network.context["suggestions"]  # project A's customers only
    assert "draft" not in client.get(SUGGEST, {"title": "printer driver crashes"}).text.lower()


def test_suggestions_keep_to_what_the_customer_may_see(client, customer_b, articles):
    client.force_login(customer_b)
    assert client.get(SUGGEST, {"title": "网络中断"}).context["suggestions"] == []
    assert client.get(SUGGEST, {"title": "controller password"}).context["suggestions"] == []
    none = client.get(SUGGEST, {"title": "controller password"})
    assert 'id="kb-suggestions-none"' in none.text


def test_an_empty_query_answers_a_hint_and_visitors_get_nothing(client, customer_a, articles):
    assert client.get(SUGGEST, {"title": "printer"}).status_code == 403
    client.force_login(customer_a)
    empty = client.get(SUGGEST, {"title": "  ", "description": ""})
    assert empty.status_code == 200
    assert 'id="kb-suggestions-hint"' in empty.text
    assert "<html" not in empty.text  # a fragment


def test_this_solved_it_beside_the_form_needs_no_ticket(client, customer_a, articles):
    client.force_login(customer_a)
    response = client.post(
        solved(articles["server"]), {"query": "服务器无法启动", "source": "ticket_form"}, follow=True
    )
    assert response.redirect_chain[-1][0] == detail(articles["server"]) + "?solved=1"
    assert "Glad it helped: no ticket needed." in response.text
    deflection = Deflection.objects.get()
    assert (deflection.source, deflection.query, deflection.user) == ("ticket_form", "服务器无法启动", customer_a)
    assert not Ticket.objects.exists()
    client.post(solved(articles["server"]), {"query": "again", "source": "ticket_form"})
    client.post(solved(articles["printer"]), {"source": "bogus"})
    assert Deflection.objects.count() == 2
    assert Deflection.objects.get(article=articles["printer"]).source == Deflection.Source.ARTICLE


# --- a draft from a resolved ticket -------------------------------------------------------------


def test_staff_turn_a_resolved_ticket_into_a_draft(client, engineer, resolved_ticket):
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[resolved_ticket.pk])).text
    assert 'id="kb-draft-panel"' in page
    response = client.post(reverse("training:article_from_ticket", args=[resolved_ticket.pk]))
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:article_edit", args=[article.pk])
    assert (article.status, article.visibility, article.source_ticket) == ("draft", "staff", resolved_ticket)
    assert "Clean the paper guide" in article.body
    edit = client.get(response["Location"])
    assert edit.status_code == 200 and resolved_ticket.reference in edit.text
    again = client.get(reverse("tickets:detail", args=[resolved_ticket.pk])).text
    assert detail(article) in again  # the panel links the draft made from it


def test_only_staff_and_only_from_a_resolved_ticket(client, engineer, customer_a, customer_b, project_a):
    open_ticket = ticket_services.ticket_create(
        actor=customer_a, project=project_a, title="Gateway restarts", description="Every hour"
    )
    url = reverse("training:article_from_ticket", args=[open_ticket.pk])
    client.force_login(engineer)
    assert 'id="kb-draft-panel"' not in client.get(reverse("tickets:detail", args=[open_ticket.pk])).text
    response = client.post(url, follow=True)
    assert "Only a resolved ticket can become an article." in response.text
    ticket_services.ticket_update(ticket_id=open_ticket.pk, actor=engineer, status="resolved")
    client.force_login(customer_a)
    assert 'id="kb-draft-panel"' not in client.get(reverse("tickets:detail", args=[open_ticket.pk])).text
    assert client.post(url).status_code == 403
    client.force_login(customer_b)
    assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302
    assert client.get(url).status_code in (302, 405)
    assert not Article.objects.exists()
