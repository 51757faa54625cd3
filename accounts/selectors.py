"""Read queries about users and teams, API tokens and calendar links."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, CalendarLink, Team, User


def team_members(*, kind: str | None = None, slug: str | None = None) -> QuerySet[User]:
    """Active members of the active team of that kind (or slug): "the leadership group"."""
    teams = Team.objects.filter(is_active=True)
    if kind:
        teams = teams.filter(kind=kind)
    if slug:
        teams = teams.filter(slug=slug)
    return User.objects.filter(is_active=True, memberships__team__in=teams).distinct().order_by("username")


def teams_with_members() -> QuerySet[Team]:
    return Team.objects.filter(is_active=True).prefetch_related("memberships__user")


def user_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    """The tokens that still open the API for ``user``, newest first."""
    return ApiToken.objects.filter(ApiToken.usable_q(timezone.now()), user=user)


def user_calendar_links(*, user: User) -> QuerySet[CalendarLink]:
    return CalendarLink.objects.filter(user=user, revoked_at__isnull=True)
