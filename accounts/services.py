"""Writes about users and teams. Views, admin, API and commands call these."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Team, TeamMembership, User


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
    user.save()
    if groups is not None:
        user.groups.set(groups)
    if user_permissions is not None:
        user.user_permissions.set(user_permissions)
    return user
