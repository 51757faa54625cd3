"""iCalendar feeds: calendar clients cannot sign in, so the link itself is the key. The keys
are a person's revocable links (``accounts.services.calendar_link_key``); the module that serves
a feed resolves the key and checks that the person may still see what it shows."""

import icalendar
from django.conf import settings
from django.urls import reverse

PRODUCT = "-//After-sales service desk//{name}//EN"


def feed_url(url_name: str, key: str) -> str:
    """The absolute link a calendar client subscribes to."""
    return settings.SITE_URL.rstrip("/") + reverse(url_name, args=[key])


def calendar(*, product: str, name: str) -> icalendar.Calendar:
    """An empty calendar: ``product`` names the feed in PRODID, ``name`` is what clients show."""
    feed = icalendar.Calendar()
    feed.add("prodid", PRODUCT.format(name=product))
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    return feed
