"""An example directory configuration, made by ``seed_demo`` through the services: which groups
of a directory (``dc=example,dc=com``, as docs/identity.md's OpenLDAP example) give which role,
team or organisation. Nothing signs in through it until ``LDAP_SERVER_URI`` (or OpenID Connect)
is set; the demo users keep their local passwords.

Idempotent: a mapping that exists (found by its group name) is left alone.
"""

from accounts.models import Team, User
from customers.models import Organisation
from identity import services as identity_services
from identity.models import DirectoryGroup

GROUPS = "ou=groups,dc=example,dc=com"
MAPPINGS = [
    # (group, role, team slug, organisation code, description)
    (f"cn=desk-admins,{GROUPS}", User.Role.ADMIN, None, None, "Service desk administrators"),
    (f"cn=desk-managers,{GROUPS}", User.Role.MANAGER, None, None, "Service managers"),
    (f"cn=desk-engineers,{GROUPS}", User.Role.ENGINEER, "first-line-support", None, "Support engineers"),
    (f"cn=emergency-technical,{GROUPS}", None, "emergency-technical", None, "The emergency technical group"),
    (f"cn=eastbay-water,{GROUPS}", None, None, "eastbay-water", "Eastbay Water Utility's contacts"),
    (f"cn=northgate-hospital,{GROUPS}", None, None, "northgate-hospital", "Northgate Hospital's contacts"),
]


def seed_identity() -> int:
    """Returns how many mappings were made."""
    made = 0
    for name, role, team_slug, code, description in MAPPINGS:
        if DirectoryGroup.objects.filter(name__iexact=name).exists():
            continue
        team = Team.objects.filter(slug=team_slug).first() if team_slug else None
        organisation = Organisation.objects.filter(code=code).first() if code else None
        if (team_slug and team is None) or (code and organisation is None):
            continue
        identity_services.directory_group_save(
            name=name, role=role or "", team=team, organisation=organisation, description=description
        )
        made += 1
    return made
