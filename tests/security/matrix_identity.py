"""The permission matrix's rows for the directory mappings and external identities (issue 24).

Both live in the admin only, which is the admins' (Django's is_staff check): everyone else is
sent to the admin's login page. The sign-in refusals per role (LOCAL_PASSWORD_DISABLED_ROLES)
are not a per-role row (the login page answers the person signing in, not the signed-in role):
tests/identity/test_local_passwords.py covers them.
"""

from typing import Any

from tests.security.matrix_rows import Row, everyone

ADMIN_ONLY = everyone(302, admin=200)

ROWS: list[Row] = [
    Row("admin:identity_directorygroup_changelist", "get", ADMIN_ONLY),
    Row("admin:identity_directorygroup_changelist", "get", ADMIN_ONLY, query=lambda world: {"q": "desk-engineers"}),
    Row("admin:identity_directorygroup_add", "get", ADMIN_ONLY),
    Row("admin:identity_directorygroup_change", "get", ADMIN_ONLY, args=["directory_group_a"]),
    # a mapping that gives nothing is refused on the form (200), never saved
    Row(
        "admin:identity_directorygroup_add",
        "post",
        ADMIN_ONLY,
        data={"name": "cn=nothing,ou=groups,dc=example,dc=com", "role": "", "description": ""},
    ),
    Row("admin:identity_externalidentity_changelist", "get", ADMIN_ONLY),
    Row("admin:identity_externalidentity_change", "get", ADMIN_ONLY, args=["external_identity_a"]),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """A mapping of the engineers' group, and an engineer the directory holds."""
    from identity.models import ExternalIdentity
    from identity.services import directory_group_save
    from tests.accounts.factories import UserFactory

    held = UserFactory(username="directory-eng")
    return {
        "directory_group_a": directory_group_save(
            name="cn=desk-engineers,ou=groups,dc=example,dc=com", role="engineer"
        ),
        "external_identity_a": ExternalIdentity.objects.create(
            user=held, source="ldap", subject="uid=directory-eng,ou=people,dc=example,dc=com"
        ),
    }
