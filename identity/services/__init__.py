"""Writes of the identity app: what a directory or OpenID sign-in does to the desk's account
(docs/identity.md). Both sign-in backends build a ``DirectoryProfile`` and call
``directory_sign_in``; it is the one owner of the mapping rules."""

import dataclasses
from typing import Any

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


# Sources whose subject may change for the same person: an LDAP entry's DN changes when it is
# renamed or moved to another branch (an OU in Active Directory), while the directory keeps its
# username (uid, sAMAccountName) unique. An OpenID ``sub`` never changes for a person.
MOVABLE_SOURCES = {"ldap"}


def _account_for(profile: DirectoryProfile) -> tuple[User | None, bool]:
    """(the desk account of ``profile``, whether this source holds it already). An account not
    held yet is found by its username (case aside). One held by another subject of the same
    source is the same person moved in the directory (LDAP: it is tied to the new DN when the
    sign-in is accepted) or refused (OpenID). A superuser's is refused, never taken over."""
    identity = (
        ExternalIdentity.objects.select_related("user").filter(source=profile.source, subject=profile.subject).first()
    )
    if identity is not None:
        return identity.user, True
    user = User.objects.filter(username__iexact=profile.username).first()
    if user is not None and ExternalIdentity.objects.filter(user=user, source=profile.source).exists():
        if profile.source in MOVABLE_SOURCES:
            return user, True
        raise DirectoryRefusal(_("Your desk account is held by another directory entry: ask an administrator."))
    if user is not None and user.is_superuser:  # the break-glass account keeps its local password
        raise DirectoryRefusal(
            _("Your username belongs to a superuser of the service desk, who signs in with a local password.")
        )
    return user, False


def _refuse(profile: DirectoryProfile, user: User | None, reason: str, *, deactivate: bool) -> DirectoryRefusal:
    """Write the refusal (and the deactivation) in their own transaction and return the exception
    to raise: it must outlive the sign-in's rollback."""
    with transaction.atomic():
        if deactivate and user is not None and user.is_active:
            accounts_services.user_update(user=user, is_active=False)
        audit.record(
            AuditEvent.Kind.DIRECTORY_REFUSED,
            user=user,
            username=profile.username,
            method=profile.source,
            reason=reason,
        )
    return DirectoryRefusal(reason)


def directory_sign_in(profile: DirectoryProfile) -> User:
    """Create or update the desk account of the person ``profile`` describes and return it, or
    raise ``DirectoryRefusal``: disabled in the directory, no mapped group or organisation gives
    them a role, a customer without an organisation, a superuser's username (never taken over),
    or (OpenID) a username held by another subject. A refused account this source already holds
    is deactivated (its sessions and tokens stop working; the next accepted sign-in reactivates
    it); the refusal is audited. The role, the organisation and the mapped teams follow the
    directory at every sign-in; teams no group maps are left alone. The account never signs in
    with a local password afterwards."""
    try:
        user, held = _account_for(profile)
    except DirectoryRefusal as refusal:
        raise _refuse(profile, None, refusal.reason, deactivate=False) from None
    role, in_teams, mapped_teams, organisation_id = _mapped(profile)
    reason = None
    if not profile.active:
        reason = _("Your account is disabled in the directory.")
    elif role is None:
        reason = _("None of your directory groups gives access to the service desk.")
    elif role == User.Role.CUSTOMER and organisation_id is None:
        reason = _("Your directory entry names no customer organisation of the service desk.")
    if reason is not None:
        # disabled: whichever account answers to the entry; lost access: the account it holds
        raise _refuse(profile, user, reason, deactivate=held or not profile.active)
    return _sign_in(profile, user, role, in_teams, mapped_teams, organisation_id)


@transaction.atomic
def _sign_in(
    profile: DirectoryProfile,
    user: User | None,
    role: str,
    in_teams: set[int],
    mapped_teams: set[int],
    organisation_id: int | None,
) -> User:
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
    # an entry moved in the directory: its account's tie follows it
    ExternalIdentity.objects.filter(user=user, source=profile.source).exclude(subject=profile.subject).update(
        subject=profile.subject
    )
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


def directory_entry_disabled(*, source: str, subject: str, username: str = "") -> User | None:
    """The directory says its entry ``subject`` is disabled, without a sign-in to refuse (Active
    Directory refuses a disabled account's password, so the person never reaches
    ``directory_sign_in``): deactivate the account the entry holds, if it is still active, and
    audit it like a refused sign-in. Returns that account, or None when there was nothing to do."""
    identity = ExternalIdentity.objects.select_related("user").filter(source=source, subject=subject).first()
    if identity is None or not identity.user.is_active:
        return None
    profile = DirectoryProfile(source=source, subject=subject, username=username or identity.user.username)
    _refuse(profile, identity.user, _("Your account is disabled in the directory."), deactivate=True)
    return identity.user


DIRECTORY_GROUP_FIELDS = ("name", "role", "team", "organisation", "description")


@transaction.atomic
def directory_group_save(*, group: DirectoryGroup | None = None, **fields: Any) -> DirectoryGroup:
    """Add or change a mapping (the admin): applied to each person at their next sign-in."""
    if group is not None and group.pk:
        group = DirectoryGroup.objects.select_for_update().get(pk=group.pk)
    else:
        group = DirectoryGroup()
    for name in DIRECTORY_GROUP_FIELDS:
        if name in fields:
            setattr(group, name, fields[name])
    group.name = group.name.strip()
    group.full_clean()
    group.save()
    return group
