"""Directory sign-in (LDAP / Active Directory, docs/identity.md).

``DirectoryBackend`` lets django-auth-ldap find the person's entry (a search as
``LDAP_BIND_DN``) and bind as them with the password typed; then, instead of letting
django-auth-ldap write the user, it reads the entry into a ``DirectoryProfile`` and hands it to
``identity.services.directory_sign_in``, the one owner of the mapping rules. A refusal (disabled,
no mapped group) is left on the request for the login form and the token endpoint. A wrong
password, an unknown name and an unreachable directory are a plain failure: the next backend
(local passwords) has already had its turn, so the desk's local accounts sign in regardless.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend, _LDAPUser

from accounts.models import User
from identity.backends import refuse_sign_in
from identity.services import DirectoryProfile, DirectoryRefusal, directory_entry_disabled, directory_sign_in

# Active Directory's userAccountControl flag for a disabled account
ACCOUNTDISABLE = 0x2


def _first(attrs: Any, name: str) -> str:
    if not name:
        return ""
    values = attrs.get(name) or []
    return str(values[0]).strip() if values else ""


def _disabled(attrs: Any, groups: set[str]) -> bool:
    """Active Directory's ACCOUNTDISABLE bit when the entry has userAccountControl, or
    membership of ``LDAP_DISABLED_GROUP`` when one is set."""
    control = _first(attrs, "userAccountControl")
    if control:
        try:
            if int(control) & ACCOUNTDISABLE:
                return True
        except ValueError:
            pass
    disabled_group = settings.LDAP_DISABLED_GROUP.strip().lower()
    return bool(disabled_group) and disabled_group in {group.lower() for group in groups}


def _group_dns(ldap_user: _LDAPUser) -> set[str]:
    """The DNs of the person's groups: the ``memberOf`` attribute (Active Directory), or a
    search of groupOfNames groups naming them as ``member`` (OpenLDAP)."""
    if settings.LDAP_GROUP_MEMBERSHIP.lower() == "memberof":
        return {str(dn) for dn in ldap_user.attrs.get("memberOf", [])}
    if not settings.LDAP_GROUP_SEARCH_BASE:
        return set()
    return {str(dn) for dn in ldap_user.group_dns}


def directory_profile(ldap_user: _LDAPUser, username: str) -> DirectoryProfile:
    """What the directory says about the person whose entry ``ldap_user`` found."""
    attrs = ldap_user.attrs
    groups = _group_dns(ldap_user)
    return DirectoryProfile(
        source="ldap",
        subject=ldap_user.dn,
        username=_first(attrs, settings.LDAP_USERNAME_ATTRIBUTE) or username,
        email=_first(attrs, settings.LDAP_EMAIL_ATTRIBUTE),
        first_name=_first(attrs, settings.LDAP_FIRST_NAME_ATTRIBUTE),
        last_name=_first(attrs, settings.LDAP_LAST_NAME_ATTRIBUTE),
        phone=_first(attrs, settings.LDAP_PHONE_ATTRIBUTE),
        groups=frozenset(groups),
        organisation_code=_first(attrs, settings.LDAP_ORGANISATION_ATTRIBUTE),
        active=not _disabled(attrs, groups),
    )


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's bind and search; the account itself by ``directory_sign_in``."""

    def get_or_build_user(self, username: str, ldap_user: _LDAPUser) -> tuple[User, bool]:
        # Called by django-auth-ldap once the bind as the person succeeded. "Not built" and
        # AUTH_LDAP_ALWAYS_UPDATE_USER off: django-auth-ldap neither fills nor saves the user.
        try:
            user = directory_sign_in(directory_profile(ldap_user, username))
        except DirectoryRefusal as refusal:
            refuse_sign_in(ldap_user._request, refusal.reason)
            raise ldap_user.AuthenticationFailed(refusal.reason) from refusal
        return user, False

    def authenticate_ldap_user(self, ldap_user: _LDAPUser, password: str) -> User | None:
        user = ldap_user.authenticate(password)
        if user is None:
            self._close_if_disabled(ldap_user)
        return user

    @staticmethod
    def _close_if_disabled(ldap_user: _LDAPUser) -> None:
        """After a failed bind: Active Directory refuses a disabled account's password, so its
        userAccountControl (read by the search that found the entry) is the only word the desk
        gets. The held account is deactivated; the person still sees the generic error, as they
        did not prove who they are."""
        dn = ldap_user._user_dn  # set by the search; None when it failed (no second attempt)
        attrs = ldap_user._user_attrs
        if dn and attrs is not None and _disabled(attrs, set()):
            directory_entry_disabled(source="ldap", subject=dn, username=ldap_user._username)

    def get_user(self, user_id: int) -> User | None:
        # django-auth-ldap's own returns deactivated accounts too: their sessions must end.
        user = User._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not settings.AUTH_LDAP_SERVER_URI:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
