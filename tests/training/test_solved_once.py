"""Issue 20, "this solved it": counted once per visitor and article (a signed-in person; an
anonymous visitor by the session cookie), a repeat is a success that changes nothing, and
anonymous clicks are rate-limited per client address (``KB_SOLVED_ANONYMOUS_PER_HOUR``).

On the code before the fix: a signed-in person counted again after an hour, a visitor who
dropped the session cookie counted on every click without limit, and nothing stopped one
address from inflating the deflection rate."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from training import services
from training.models import Deflection

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/articles/"


def solved(article) -> str:
    return reverse("training:article_solved", args=[article.pk])


def detail(article) -> str:
    return reverse("training:article_detail", args=[article.pk])


# --- signed in --------------------------------------------------------------------------------


def test_a_signed_in_person_counts_once_per_article_on_the_page_and_in_the_api(
    client, api, customer_a, customer_b, articles
):
    # given a customer who said on the page that the printer article solved it
    client.force_login(customer_a)
    assert client.post(solved(articles["printer"])).status_code == 302
    first = Deflection.objects.get()

    # when they say it again the next day, on the page and through the API
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        again = client.post(solved(articles["printer"]), follow=True)
        response = api.as_user(customer_a).post(f"{ARTICLES}{articles['printer'].pk}/solved/", {}, format="json")

    # then both answer as a success, and the count is still one
    assert again.status_code == 200 and "Thank you" in again.text
    assert response.status_code == 201 and response.json()["id"] == first.pk
    assert Deflection.objects.count() == 1
    # another article, or another person, is another answer
    client.post(solved(articles["server"]))
    assert (
        api.as_user(customer_b).post(f"{ARTICLES}{articles['printer'].pk}/solved/", {}, format="json").status_code
        == 201
    )
    assert Deflection.objects.count() == 3


def test_a_signed_in_persons_clicks_are_not_rate_limited(client, customer_a, articles, settings):
    settings.KB_SOLVED_ANONYMOUS_PER_HOUR = 0
    client.force_login(customer_a)
    assert client.post(solved(articles["printer"])).status_code == 302
    assert Deflection.objects.count() == 1


def test_the_database_keeps_one_answer_per_visitor(articles, customer_a):
    services.article_solved(article=articles["printer"], user=customer_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deflection.objects.create(article=articles["printer"], visitor=f"user:{customer_a.pk}")
    # rows without a visitor (from before the rule, or written by hand) are not constrained
    Deflection.objects.create(article=articles["printer"])
    Deflection.objects.create(article=articles["printer"])
    assert Deflection.objects.count() == 3


# --- anonymous visitors -----------------------------------------------------------------------


def test_an_anonymous_visitor_counts_once_per_article_whatever_the_hour(client, articles):
    # given an anonymous visitor who clicked once (the answer sets the session cookie)
    response = client.post(solved(articles["printer"]))
    assert response.status_code == 302
    deflection = Deflection.objects.get()
    assert deflection.user is None and deflection.visitor.startswith("anon:")
    assert client.session.session_key not in deflection.visitor  # a digest, never the key

    # when the same browser clicks again two hours later
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        again = client.post(solved(articles["printer"]), follow=True)

    # then it is thanked again and nothing more is counted
    assert again.status_code == 200 and "Thank you" in again.text
    assert Deflection.objects.count() == 1
    client.post(solved(articles["server"]))
    assert Deflection.objects.count() == 2


def test_another_browser_is_another_visitor(articles):
    Client().post(solved(articles["printer"]))
    Client().post(solved(articles["printer"]))
    assert Deflection.objects.filter(article=articles["printer"]).count() == 2
    assert len(set(Deflection.objects.values_list("visitor", flat=True))) == 2


def test_anonymous_clicks_are_rate_limited_per_address(articles, settings):
    # given an allowance of three anonymous answers per address and hour
    settings.KB_SOLVED_ANONYMOUS_PER_HOUR = 3

    # when a script without cookies clicks five times from one address
    answers = [Client(REMOTE_ADDR="203.0.113.7").post(solved(articles["printer"])) for _ in range(5)]

    # then three count and the last two are refused with 429 and a message
    assert [response.status_code for response in answers] == [302, 302, 302, 429, 429]
    assert "Too many answers from your address" in answers[-1].text
    assert Deflection.objects.count() == 3
    # another address has its own allowance
    assert Client(REMOTE_ADDR="198.51.100.9").post(solved(articles["printer"])).status_code == 302
    assert Deflection.objects.count() == 4
    # and the next hour the first address may answer again
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
        assert Client(REMOTE_ADDR="203.0.113.7").post(solved(articles["printer"])).status_code == 302
    assert Deflection.objects.count() == 5


def test_a_repeat_by_the_same_visitor_takes_no_turn(client, articles, settings):
    settings.KB_SOLVED_ANONYMOUS_PER_HOUR = 1
    assert client.post(solved(articles["printer"])).status_code == 302
    # the same browser repeating itself is answered as a success, even past the allowance
    assert client.post(solved(articles["printer"])).status_code == 302
    assert Deflection.objects.count() == 1


def test_the_service_refuses_past_the_allowance(articles, settings):
    settings.KB_SOLVED_ANONYMOUS_PER_HOUR = 1
    services.article_solved(article=articles["printer"], user=None, visitor="anon:a", client="192.0.2.1")
    with pytest.raises(services.SolvedTooOften):
        services.article_solved(article=articles["printer"], user=None, visitor="anon:b", client="192.0.2.1")
    # the known visitor is still answered with their record
    again = services.article_solved(article=articles["printer"], user=None, visitor="anon:a", client="192.0.2.1")
    assert again.visitor == "anon:a" and Deflection.objects.count() == 1


def test_a_visitor_key_is_a_digest_of_the_session(customer_a):
    assert services.solved_visitor(user=customer_a) == f"user:{customer_a.pk}"
    key = services.solved_visitor(user=None, session_key="abc123")
    assert key.startswith("anon:") and "abc123" not in key and len(key) <= 80
    assert key == services.solved_visitor(user=None, session_key="abc123")
    assert services.solved_visitor(user=None) == ""
