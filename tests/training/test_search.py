"""Knowledge-base search in English and Chinese, on whichever database the suite runs on
(PostgreSQL full-text search, or the SQLite fallback), through ``selectors.article_search``:
what is found, in which order, and only what the reader may see."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db import connection

from tests.customers.factories import ProjectFactory
from training import search, selectors, services
from training.models import Article, Tag

POSTGRESQL = connection.vendor == "postgresql"


# --- terms: no database ----------------------------------------------------------------------


def test_chinese_is_cut_into_overlapping_bigrams():
    assert search.terms("服务器故障排除指南") == ["服务", "务器", "器故", "故障", "障排", "排除", "除指", "指南"]


def test_indexing_adds_the_single_characters():
    assert search.terms("服务器", unigrams=True) == ["服务", "务器", "服", "务", "器"]
    assert search.terms("服务器") == ["服务", "务器"]  # a query: bigrams only


def test_a_single_character_is_its_own_term():
    assert search.terms("障") == ["障"]
    assert search.terms("障", unigrams=True) == ["障"]


def test_english_words_are_lower_case_and_split_at_punctuation():
    assert search.terms("Printer-jam, on the LABEL_printer!") == ["printer", "jam", "on", "the", "label", "printer"]


@pytest.mark.parametrize(
    "text",
    ["RAID 阵列故障", "RAID阵列故障", "ＲＡＩＤ阵列故障"],
    ids=["spaced", "unspaced", "full-width"],
)
def test_mixed_english_and_chinese_are_cut_apart(text):
    assert search.terms(text) == ["raid", "阵列", "列故", "故障"]


def test_a_query_has_each_term_once_and_a_bounded_number_of_them():
    assert search.query_terms("printer Printer 打印打印") == ["printer", "打印", "印打"]
    assert len(search.query_terms(" ".join(f"word{n}" for n in range(100)))) == search.MAX_TERMS


def test_text_without_words_is_no_query():
    assert search.terms(" ,.!？。 ") == []


# --- searching -------------------------------------------------------------------------------


def found(user, text, language=None) -> list[str]:
    return [article.title for article in selectors.article_search(user=user, text=text, language=language)]


def publish(engineer, title, body, language="en", **fields) -> Article:
    fields.setdefault("visibility", Article.Visibility.PUBLIC)
    return services.article_save(
        actor=engineer, title=title, body=body, language=language, status=Article.Status.PUBLISHED, **fields
    )


@pytest.mark.django_db
def test_a_two_character_word_inside_a_longer_chinese_title_is_found(articles):
    assert found(None, "故障") == ["服务器故障排除指南"]
    assert found(None, "排除") == ["服务器故障排除指南"]


@pytest.mark.django_db
def test_a_chinese_query_in_a_sentence_finds_the_article(articles, customer_a):
    assert found(customer_a, "交换机的网络中断了怎么办")[0] == "网络中断的处理方法"
    assert found(None, "服务器无法启动") == ["服务器故障排除指南"]


@pytest.mark.django_db
def test_a_single_chinese_character_is_found(articles, customer_a):
    assert found(None, "障") == ["服务器故障排除指南"]
    assert found(customer_a, "网") == ["网络中断的处理方法"]


@pytest.mark.django_db
def test_an_unspaced_mixed_title_is_found_by_either_part(engineer):
    publish(engineer, "RAID阵列故障处理", "更换硬盘后等待重建。", language="zh-hans")
    assert found(None, "故障") == ["RAID阵列故障处理"]
    assert found(None, "raid ") == ["RAID阵列故障处理"]


@pytest.mark.django_db
def test_english_words_are_found_as_the_database_can(engineer):
    publish(engineer, "Backup failed every night", "The nightly job stops.")
    publish(engineer, "Power failure in the rack", "The PDU tripped.")
    if POSTGRESQL:
        # Snowball stems "failing" and "failed" to "fail", but "failure" to "failur"
        assert found(None, "failing ") == ["Backup failed every night"]
        assert found(None, "jobs stopping ") == ["Backup failed every night"]
        # the word being typed is a prefix: "failing" so far is "fail", which "failur" begins with
        assert set(found(None, "failing")) == {"Backup failed every night", "Power failure in the rack"}
    else:
        # the fallback has no stemmer: a word is found as a piece of the text
        assert found(None, "failing ") == []
        assert found(None, "jobs stopping ") == []
        assert set(found(None, "fail")) == {"Backup failed every night", "Power failure in the rack"}


@pytest.mark.django_db
def test_the_word_being_typed_is_a_prefix(articles):
    assert found(None, "print") == ["Printer paper jam"]
    assert found(None, "paper ja") == ["Printer paper jam"]


@pytest.mark.django_db
def test_a_title_match_ranks_above_a_body_match(engineer):
    publish(engineer, "Daily checks", "Check the calibration of the scale every morning.")
    publish(engineer, "Scale calibration", "Put the reference weight on the plate.")
    assert found(None, "calibration") == ["Scale calibration", "Daily checks"]
    # and the same when the body-only article is the newer one
    publish(engineer, "Weekly checks", "Calibration, calibration and calibration again.")
    assert found(None, "calibration")[0] == "Scale calibration"


@pytest.mark.django_db
def test_tags_rank_between_title_and_body(engineer):
    publish(engineer, "Morning routine", "Look at the thermometer first.")
    publish(engineer, "Cold room", "Keep the door closed.", tags=["thermometer"])
    publish(engineer, "Thermometer replacement", "Unscrew the probe.")
    assert found(None, "thermometer") == ["Thermometer replacement", "Cold room", "Morning routine"]


@pytest.mark.django_db
def test_an_article_matching_more_words_ranks_higher(engineer):
    publish(engineer, "Scanner notes", "The scanner beeps.")
    publish(engineer, "Scanner timeouts", "The scanner shows a timeout error after an hour.")
    publish(engineer, "Unrelated", "Nothing here.")
    assert found(None, "scanner timeout error") == ["Scanner timeouts", "Scanner notes"]


@pytest.mark.django_db
def test_a_chinese_article_matching_more_of_the_query_ranks_higher(engineer):
    publish(engineer, "硬盘指示灯", "硬盘故障时指示灯为红色。", language="zh-hans")
    publish(engineer, "电源检查", "电源故障时检查保险丝。", language="zh-hans")
    assert found(None, "硬盘故障") == ["硬盘指示灯", "电源检查"]


@pytest.mark.django_db
def test_a_chinese_title_match_ranks_above_a_body_match(engineer):
    publish(engineer, "日常巡检", "检查交换机有无故障告警。", language="zh-hans")
    publish(engineer, "交换机故障", "更换电源模块。", language="zh-hans")
    assert found(None, "故障") == ["交换机故障", "日常巡检"]


@pytest.mark.django_db
def test_little_words_do_not_spoil_the_query(articles):
    assert found(None, "the printer") == ["Printer paper jam"]
    assert found(None, "printer the") == ["Printer paper jam"]  # a stop word being typed


@pytest.mark.django_db
def test_the_language_filter_narrows_the_results(engineer):
    publish(engineer, "UPS alarm", "The UPS beeps.")
    publish(engineer, "UPS告警", "UPS蜂鸣时检查电池。", language="zh-hans")
    assert set(found(None, "ups ")) == {"UPS alarm", "UPS告警"}
    assert found(None, "ups ", language="zh-hans") == ["UPS告警"]
    assert found(None, "ups ", language="en") == ["UPS alarm"]


@pytest.mark.django_db
def test_nothing_to_search_finds_nothing(articles):
    assert found(None, "") == [] and found(None, " ?! ") == []
    assert found(None, "zzzqqq") == [] and found(None, "鲸鱼") == []


# --- who finds what ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_find_published_public_articles(articles):
    assert found(None, "printer") == ["Printer paper jam"]  # not the draft
    assert found(AnonymousUser(), "网络") == []  # customers only
    assert found(None, "controller password") == []  # staff only
    visible = set(selectors.article_list(user=None))
    assert visible == {articles["printer"], articles["server"]}


@pytest.mark.django_db
def test_customers_find_their_projects_articles_and_not_another_organisations(
    articles, customer_a, customer_b, engineer, project_b
):
    # an article for every customer (no project named) and one for project B's only
    everyone = publish(engineer, "网络设备巡检", "每月检查交换机。", visibility=Article.Visibility.CUSTOMERS)
    for_b = publish(
        engineer, "网络割接计划", "割接前备份配置。", visibility=Article.Visibility.CUSTOMERS, projects=[project_b]
    )
    assert set(found(customer_a, "网络")) == {"网络中断的处理方法", "网络设备巡检"}
    assert set(found(customer_b, "网络")) == {"网络设备巡检", "网络割接计划"}
    assert set(selectors.article_list(user=customer_a)) == {
        articles["printer"],
        articles["server"],
        articles["network"],
        everyone,
    }
    assert set(selectors.article_list(user=customer_b)) == {articles["printer"], articles["server"], everyone, for_b}
    # neither finds drafts nor staff-only articles
    assert found(customer_a, "printer") == ["Printer paper jam"]
    assert found(customer_a, "controller password") == []


@pytest.mark.django_db
def test_an_article_naming_several_projects_is_shown_once(articles, customer_a, engineer, project_a, org_a):
    second = ProjectFactory(organisation=org_a, name="Project A2", code="prj-a2")
    publish(
        engineer,
        "Shared switch guide",
        "For both sites.",
        visibility=Article.Visibility.CUSTOMERS,
        projects=[project_a, second],
    )
    assert found(customer_a, "switch guide") == ["Shared switch guide"]
    assert selectors.article_list(user=customer_a).filter(title="Shared switch guide").count() == 1


@pytest.mark.django_db
def test_a_customer_of_an_inactive_account_finds_only_public_articles(articles, customer_a):
    customer_a.is_active = False
    customer_a.save()
    assert set(selectors.article_list(user=customer_a)) == {articles["printer"], articles["server"]}


@pytest.mark.django_db
def test_staff_find_everything_drafts_included(articles, engineer):
    # both have it in the title; the published one in its tags too
    assert found(engineer, "printer") == ["Printer paper jam", "Printer driver crashes"]
    assert found(engineer, "controller password") == ["Resetting the controller password"]
    assert set(selectors.article_list(user=engineer)) == set(articles.values())


@pytest.mark.django_db
def test_suggestions_are_published_articles_even_for_staff(articles, engineer):
    titles = [article.title for article in selectors.suggestions(user=engineer, text="printer driver")]
    assert titles == ["Printer paper jam"]
    assert len(selectors.suggestions(user=None, text="服务器 printer", limit=1)) == 1


# --- the index -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_renamed_tag_is_found_after_reindexing(articles):
    tag = Tag.objects.get(name="printer")
    tag.name = "打印机"
    tag.save()
    assert found(None, "打印机") == []  # the index still has the old name
    assert services.articles_reindex() == Article.objects.count()
    assert found(None, "打印机") == ["Printer paper jam"]
    assert services.articles_reindex(Article.objects.filter(pk=articles["printer"].pk)) == 1


@pytest.mark.django_db
def test_an_edit_is_searchable_at_once(articles, engineer):
    services.article_save(actor=engineer, article=articles["printer"], body="Replace the thermal head.")
    assert found(None, "thermal") == ["Printer paper jam"]
    assert found(None, "roll ") == []


@pytest.mark.django_db
def test_the_results_are_a_queryset_that_pages(engineer):
    for n in range(5):
        publish(engineer, f"Router guide {n}", "Routers " * (n + 1))
    results = selectors.article_search(user=None, text="router")
    paginator = Paginator(results, 2)
    assert (paginator.count, paginator.num_pages) == (5, 3)
    paged = [article.title for number in (1, 2, 3) for article in paginator.page(number)]
    assert paged == [article.title for article in results]
    assert len(set(paged)) == 5
    assert results.filter(title__endswith="3").count() == 1  # still a queryset
