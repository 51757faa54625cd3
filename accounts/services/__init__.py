"""Writes about users and teams, API tokens and calendar links. Views, admin, API and commands
call these."""

import datetime
import functools
import hashlib
import secrets
from collections.abc import Collection, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import ApiToken, AuditEvent, CalendarLink, Team, TeamMembership, User
from accounts.selectors import user_api_tokens
from accounts.services import audit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    organisation_id: int | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    job_title: str = "",
) -> User:
    """Create a user; a password is checked against the password policy (None: unusable).

    Raises ``ValidationError`` (per field) for bad input; nothing is saved then.
    """
    user = User(
        username=username,
        role=role,
        organisation_id=organisation_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        job_title=job_title,
        is_staff=role == User.Role.ADMIN,
        is_superuser=False,
    )
    user.full_clean(exclude=["password"])
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_update_preferences(*, user: User, time_zone: str, language: str) -> User:
    user.time_zone = time_zone
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["time_zone", "language"])
    return user


@transaction.atomic
def team_add_member(*, team: Team, user: User, position: str = TeamMembership.Position.MEMBER) -> TeamMembership:
    membership = TeamMembership(team=team, user=user, position=position)
    membership.clean()
    membership, _created = TeamMembership.objects.update_or_create(
        team=team, user=user, defaults={"position": position}
    )
    return membership


TEAM_FIELDS = ("name", "slug", "kind", "description", "email", "is_active")


@transaction.atomic
def team_save(*, team: Team | None = None, members: list[tuple[User, str]] | None = None, **fields: Any) -> Team:
    """Create or change a team; ``members`` (user, position), when given, replaces its members.
    Only staff can be members; one team of each emergency kind."""
    team = team or Team()
    for name in TEAM_FIELDS:
        if name in fields:
            setattr(team, name, fields[name])
    team.full_clean()
    team.save()
    if members is not None:
        for user, position in members:
            TeamMembership(team=team, user=user, position=position).clean()
        team.memberships.exclude(user__in=[user for user, _position in members]).delete()
        for user, position in members:
            TeamMembership.objects.update_or_create(team=team, user=user, defaults={"position": position})
    return team


USER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "role",
    "organisation",
    "phone",
    "job_title",
    "time_zone",
    "language",
    "is_active",
    "is_staff",
    "is_superuser",
)


@transaction.atomic
def user_update(*, user: User, groups=None, user_permissions=None, **fields: Any) -> User:
    """Change a user's details, role and access (the admin); the password changes on its own
    page. A customer belongs to an organisation, staff to none."""
    for name in USER_FIELDS:
        if name in fields:
            setattr(user, name, fields[name])
    user.full_clean(exclude=["password"])
    was_active = User.objects.filter(pk=user.pk, is_active=True).exists()
    user.save()
    if was_active and not user.is_active:
        from accounts.services.sessions import request_actor, sessions_end_all

        api_tokens_revoke_all(user=user)
        sessions_end_all(user=user, actor=request_actor(), reason="deactivated")
    if groups is not None:
        user.groups.set(groups)
    if user_permissions is not None:
        user.user_permissions.set(user_permissions)
    return user


# --- API tokens -----------------------------------------------------------------------------
# The key is 48 random bytes (64 URL-safe characters), shown once; the database keeps its SHA-256.
# A password change or reset (``accounts.authentication.RevokeTokensOnPasswordChange``, called
# by Django wherever a password is set) and a deactivation (``user_update``) revoke them all.

API_TOKEN_NAME_LENGTH = ApiToken._meta.get_field("name").max_length
LAST_USED_EVERY = datetime.timedelta(minutes=1)  # ``last_used_at`` is written at most this often


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str = "", user_agent: str = "") -> tuple[ApiToken, str]:
    """Issue a new token for ``user`` (a new one at every login: one per client or device), named
    ``name``, else after the client's User-Agent, else "API client". Returns the row and the key,
    which is never stored and cannot be shown again."""
    label = " ".join((name or user_agent).split())[:API_TOKEN_NAME_LENGTH] or _("API client")
    key = secrets.token_urlsafe(48)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=label,
        key_hash=_sha256(key),
        prefix=key[:8],
        created_at=now,
        last_used_at=now,  # signing in is its first use; the next is noted from a minute on
        expires_at=now + settings.API_TOKEN_TTL,
    )
    audit.record(
        AuditEvent.Kind.TOKEN_ISSUED, user=user, method="token", token=token.pk, name=label, prefix=token.prefix
    )
    return token, key


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The usable token of this key (not revoked, not expired, its user active), its use
    noted; ``None`` otherwise."""
    now = timezone.now()
    token = _usable_token(_sha256(key), now)
    if token is not None and (token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# The token check is the first query of every API request. The ORM builds it once per process
# and database (its SQL, and where the key's hash and the moment go among its parameters); each
# request then runs that SQL with its own two values and makes the token and its user from the
# row: 0.64 ms of the ORM's time to 0.09 ms. The rule stays the ORM's (``ApiToken.usable_q``, an
# active user), and nothing is cached but the statement: a revoked or expired token, or a user
# deactivated by any path, is refused at the next request. A database whose columns need
# converting on the way back (SQLite's datetimes), or a statement whose two values cannot be
# told apart, is read through the ORM each time.
_PROBE_HASH = "probe: not a SHA-256"
_PROBE_NOW = datetime.datetime(1970, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)


def _usable_tokens(key_hash: str, now: datetime.datetime) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(ApiToken.usable_q(now), key_hash=key_hash, user__is_active=True).order_by()


@functools.cache
def _token_statement(alias: str) -> tuple[str, tuple, int, int] | None:
    """(SQL, parameters, index of the key's hash, index of the moment) of the token check on
    ``alias``: the token's columns, then its user's; ``None``: use the ORM."""
    queryset = _usable_tokens(_PROBE_HASH, _PROBE_NOW).values_list(
        *_TOKEN_COLUMNS, *(f"user__{name}" for name in _USER_COLUMNS)
    )[:1]
    compiler = queryset.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if compiler.get_converters([column for column, _sql, _alias in compiler.select]):
        return None
    now = _prepared_moment(_PROBE_NOW, alias)
    at_hash = [i for i, value in enumerate(params) if value == _PROBE_HASH]
    at_now = [i for i, value in enumerate(params) if value == now]
    if len(at_hash) != 1 or len(at_now) != 1:
        return None
    return sql, tuple(params), at_hash[0], at_now[0]


_TOKEN_COLUMNS = [field.attname for field in ApiToken._meta.concrete_fields]
_USER_COLUMNS = [field.attname for field in User._meta.concrete_fields]


def _prepared_moment(moment: datetime.datetime, alias: str) -> Any:
    return ApiToken._meta.get_field("expires_at").get_db_prep_value(moment, connections[alias])


def _usable_token(key_hash: str, now: datetime.datetime) -> ApiToken | None:
    alias = router.db_for_read(ApiToken)
    statement = _token_statement(alias)
    if statement is None:
        return next(iter(_usable_tokens(key_hash, now).select_related("user").using(alias)[:1]), None)
    sql, template, at_hash, at_now = statement
    params = list(template)
    params[at_hash], params[at_now] = key_hash, _prepared_moment(now, alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_TOKEN_COLUMNS)
    token = ApiToken.from_db(alias, _TOKEN_COLUMNS, row[:split])
    ApiToken._meta.get_field("user").set_cached_value(token, User.from_db(alias, _USER_COLUMNS, row[split:]))
    return token


def _token_revoked(token: ApiToken, actor: User | None) -> None:
    from accounts.services.sessions import request_actor

    audit.record(
        AuditEvent.Kind.TOKEN_REVOKED,
        user=token.user,
        actor=actor if actor is not None else request_actor(),
        method="token",
        token=token.pk,
        name=token.name,
        prefix=token.prefix,
    )


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    """Revoke one token (its owner signing a client out, or an admin: ``actor``, else whoever
    makes the request); revoking twice keeps the first moment, and is written to the audit log
    once."""
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        _token_revoked(token, actor)
    token.refresh_from_db(fields=["revoked_at"])
    return token


@transaction.atomic
def api_token_revoke_own(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s usable tokens; another person's (or an unknown, revoked or expired
    one) raises ``ApiToken.DoesNotExist``: the pages and the API answer 404."""
    return api_token_revoke(token=user_api_tokens(user=user).get(pk=token_id))


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor: User | None = None) -> int:
    """Revoke every token of ``user`` (each written to the audit log); the number revoked."""
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).order_by("pk"))
    ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).update(revoked_at=timezone.now())
    for token in tokens:
        token.user = user
        _token_revoked(token, actor)
    return len(tokens)


# --- calendar links -------------------------------------------------------------------------
# A link's key is HMAC-SHA256(SECRET_KEY, nonce): the pages can show the link again, the
# database holds only the nonce and the key's SHA-256. Rotating SECRET_KEY gives everyone new
# links (the old ones are revoked the next time a page shows the new one).


def _calendar_key(link: CalendarLink) -> str:
    return salted_hmac("accounts.CalendarLink", link.nonce, algorithm="sha256").hexdigest()


def in_language_of(user: User) -> translation.override:
    """Words kept for one person (their calendar links' labels) are written in that person's
    language, whatever language the request or task that creates them runs in."""
    return translation.override(user.language or settings.LANGUAGE_CODE)


def _calendar_link_new(*, user: User, feed: str, object_id: int, label: str) -> CalendarLink:
    link = CalendarLink(user=user, feed=feed, object_id=object_id, label=label[:200], nonce=secrets.token_urlsafe(32))
    link.key_hash = _sha256(_calendar_key(link))
    return link


def _live_links(*, user: User, feed: str, object_ids: Collection[int]) -> dict[int, CalendarLink]:
    links = CalendarLink.objects.filter(user=user, feed=feed, object_id__in=list(object_ids), revoked_at__isnull=True)
    return {link.object_id: link for link in links}


def calendar_link_keys(*, user: User, feed: str, objects: Mapping[int, str]) -> dict[int, str]:
    """The keys of ``user``'s links to ``feed`` for each object id of ``objects`` (id → label),
    creating the missing ones; one query when they all exist. Two pages creating the same link
    at once end with one (the partial unique constraint; the loser reads the winner's)."""
    if not objects:
        return {}
    live = _live_links(user=user, feed=feed, object_ids=objects)
    stale = [link.pk for link in live.values() if link.key_hash != _sha256(_calendar_key(link))]
    if stale:  # SECRET_KEY changed: these links can no longer be shown, so they stop working
        CalendarLink.objects.filter(pk__in=stale).update(revoked_at=timezone.now())
        live = {pk: link for pk, link in live.items() if link.pk not in stale}
    missing = [pk for pk in objects if pk not in live]
    if missing:
        CalendarLink.objects.bulk_create(
            [_calendar_link_new(user=user, feed=feed, object_id=pk, label=str(objects[pk])) for pk in missing],
            ignore_conflicts=True,
        )
        live.update(_live_links(user=user, feed=feed, object_ids=missing))
    return {pk: _calendar_key(link) for pk, link in live.items()}


def calendar_link_key(*, user: User, feed: str, object_id: int, label: str) -> str:
    """The key of ``user``'s link to one feed, created at first sight."""
    return calendar_link_keys(user=user, feed=feed, objects={object_id: label})[object_id]


def calendar_link_resolve(*, key: str, feeds: Collection[str]) -> CalendarLink | None:
    """The live link of this key to one of ``feeds``, its user active; ``None`` for an unknown,
    revoked or foreign key, or a deactivated user. The serving module then checks that the user
    may still see what the link shows."""
    return (
        CalendarLink.objects.select_related("user")
        .filter(key_hash=_sha256(key), feed__in=list(feeds), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


@transaction.atomic
def calendar_link_revoke(*, user: User, link_id: int) -> CalendarLink:
    """Revoke one of ``user``'s links (the next page that shows it shows a new one); another
    person's raises ``CalendarLink.DoesNotExist``."""
    link = CalendarLink.objects.select_for_update().get(pk=link_id, user=user, revoked_at__isnull=True)
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    return link
