"""iCalendar feeds behind signed links: calendar clients cannot sign in, so the link's token
names what the feed shows (a kind and an id), signed with a salt of the module that serves it,
so a token of one module's feed opens nothing in another's."""

from collections.abc import Collection

import icalendar
from django.conf import settings
from django.core import signing
from django.urls import reverse

PRODUCT = "-//After-sales service desk//{name}//EN"


def feed_token(*, salt: str, kind: str, pk: int) -> str:
    return signing.Signer(salt=salt).sign(f"{kind}:{pk}")


def feed_subject(token: str, *, salt: str, kinds: Collection[str] | None = None) -> tuple[str, int] | None:
    """The (kind, id) a token names; ``None`` for a forged token or a kind not in ``kinds``."""
    try:
        kind, pk = signing.Signer(salt=salt).unsign(token).split(":")
        subject = kind, int(pk)
    except (signing.BadSignature, ValueError):
        return None
    return subject if kinds is None or kind in kinds else None


def feed_url(url_name: str, token: str) -> str:
    """The absolute link a calendar client subscribes to."""
    return settings.SITE_URL.rstrip("/") + reverse(url_name, args=[token])


def calendar(*, product: str, name: str) -> icalendar.Calendar:
    """An empty calendar: ``product`` names the feed in PRODID, ``name`` is what clients show."""
    feed = icalendar.Calendar()
    feed.add("prodid", PRODUCT.format(name=product))
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    return feed
