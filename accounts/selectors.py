"""Read queries about users and teams."""

from django.db.models import QuerySet

from accounts.models import Team, User


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
