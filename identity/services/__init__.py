"""Writes of the identity app: what a directory or OpenID sign-in does to the desk's account
(docs/identity.md). Both sign-in backends build a ``DirectoryProfile`` and call
``directory_sign_in``; it is the one owner of the mapping rules."""

import dataclasses

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as accounts_services
from accounts.models import AuditEvent, TeamMembership, User
from accounts.services import audit
from identity.models import DirectoryGroup, ExternalIdentity

# The highest role a person's groups give wins.
ROLE_RANK = {User.Role.CUSTOMER: 0, User.Role.ENGINEER: 1, User.Role.MANAGER: 2, User.Role.ADMIN: 3}


@dataclasses.dataclass(frozen=True)
class DirectoryProfile:
    """What one source says about a person at sign-in. ``groups`` are group DNs (LDAP) or the
    groups claim's values (OpenID); ``organisation_code`` is an ``Organisation.code`` read from a
    configured attribute or claim (empty: from the groups only); ``active`` is false when the
    directory disabled the account."""

    source: str
    subject: str
    username: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    groups: frozenset[str] = frozenset()
    organisation_code: str = ""
    active: bool = True


class DirectoryRefusal(Exception):
    """The source vouched for the person but the desk does not let them in; ``reason`` is shown
    on the sign-in page and written to the audit log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _organisation_model():
    return User._meta.get_field("organisation").related_model


def _mapped(profile: DirectoryProfile) -> tuple[str | None, set[int], set[int], int | None]:
    """(role, mapped team ids the person is in, every mapped team id, organisation id)."""
    wanted = {name.lower() for name in profile.groups}
    role: str | None = None
    in_teams: set[int] = set()
    mapped_teams: set[int] = set()
    organisation_id: int | None = None
    for group in DirectoryGroup.objects.all():
        if group.team_id:
            mapped_teams.add(group.team_id)
        if group.name.lower() not in wanted:
            continue
        if group.role and (role is None or ROLE_RANK[group.role] > ROLE_RANK[role]):
            role = group.role
        if group.team_id:
            in_teams.add(group.team_id)
        if group.organisation_id and organisation_id is None:
            organisation_id = group.organisation_id
    if profile.organisation_code:
        found = _organisation_model().objects.filter(code__iexact=profile.organisation_code, is_active=True).first()
        if found is not None:
            organisation_id = found.pk
    if role is None and organisation_id is not None:
        role = User.Role.CUSTOMER
    return role, in_teams, mapped_teams, organisation_id


def _account_for(profile: DirectoryProfile) -> User | None:
    identity = (
        ExternalIdentity.objects.select_related("user").filter(source=profile.source, subject=profile.subject).first()
    )
    if identity is not None:
        return identity.user
    return User.objects.filter(username__iexact=profile.username).first()


@transaction.atomic
def directory_sign_in(profile: DirectoryProfile) -> User:
    """Create or update the desk account of the person ``profile`` describes and return it, or
    raise ``DirectoryRefusal``: disabled in the directory (the desk account is deactivated too),
    no mapped group or organisation gives them a role, or a customer without an organisation.
    The role, the organisation and the mapped teams follow the directory at every sign-in; teams
    no group maps are left alone. The account never signs in with a local password afterwards."""
    user = _account_for(profile)
    role, in_teams, mapped_teams, organisation_id = _mapped(profile)
    reason = None
    if not profile.active:
        reason = _("Your account is disabled in the directory.")
    elif role is None:
        reason = _("None of your directory groups gives access to the service desk.")
    elif role == User.Role.CUSTOMER and organisation_id is None:
        reason = _("Your directory entry names no customer organisation of the service desk.")
    if reason is not None:
        if user is not None and user.is_active and not profile.active:
            accounts_services.user_update(user=user, is_active=False)
        audit.record(
            AuditEvent.Kind.DIRECTORY_REFUSED,
            user=user,
            username=profile.username,
            method=profile.source,
            reason=reason,
        )
        raise DirectoryRefusal(reason)

    fields = {
        "email": profile.email,
        "first_name": profile.first_name[:150],
        "last_name": profile.last_name[:150],
        "role": role,
        "organisation": _organisation_model().objects.get(pk=organisation_id) if role == User.Role.CUSTOMER else None,
        "is_active": True,
    }
    if profile.phone:
        fields["phone"] = profile.phone[:40]
    if user is None:
        user = User(username=profile.username[:150])
        user.set_unusable_password()
        for name, value in fields.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save()
    else:
        changed = {name: value for name, value in fields.items() if getattr(user, name) != value}
        if changed:
            accounts_services.user_update(user=user, **changed)
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
    ExternalIdentity.objects.update_or_create(
        source=profile.source, subject=profile.subject, defaults={"user": user, "last_synced_at": timezone.now()}
    )
    if user.is_staff_member:
        current = set(
            TeamMembership.objects.filter(user=user, team_id__in=mapped_teams).values_list("team_id", flat=True)
        )
        TeamMembership.objects.filter(user=user, team_id__in=current - in_teams).delete()
        for team_id in sorted(in_teams - current):
            TeamMembership.objects.create(user=user, team_id=team_id)
    else:
        TeamMembership.objects.filter(user=user).delete()
    return user
