"""Who the directory (LDAP / Active Directory) and the OpenID provider say a person is, and how
their groups map to the desk's roles, teams and organisations (docs/identity.md).

``ExternalIdentity`` ties a desk account to its entry in one source (an LDAP DN, an OpenID
``sub``): an account with one is held by that source and does not sign in with a local password.
``DirectoryGroup`` is the mapping admins configure: a group's name (its DN in the directory, its
value in the provider's groups claim) gives a role, a team membership or an organisation.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from core.models import TimeStampedModel


class ExternalIdentity(models.Model):
    class Source(models.TextChoices):
        LDAP = "ldap", _("Directory (LDAP)")
        OIDC = "oidc", _("OpenID Connect")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="external_identities",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    subject = models.CharField(
        _("subject"), max_length=255, help_text=_("The entry's DN in the directory, or the provider's subject (sub).")
    )
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now, editable=False)
    last_synced_at = models.DateTimeField(_("last synchronised"), default=timezone.now)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["source", "subject"], name="unique_external_subject"),
            models.UniqueConstraint(fields=["user", "source"], name="one_identity_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.subject}"


class DirectoryGroup(TimeStampedModel):
    """A directory group or claim value and what membership of it gives at the desk. A person
    gets the highest role any of their groups gives (admin, manager, engineer, customer), the
    membership of every mapped team they are in (and loses that of mapped teams they left), and
    the organisation of a group that names one. Group names compare without regard to case."""

    name = models.CharField(
        _("group"),
        max_length=255,
        help_text=_("The group's DN in the directory, or its name in the provider's groups claim."),
    )
    role = models.CharField(_("role"), max_length=16, choices=User.Role.choices, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="directory_groups",
    )
    organisation = models.ForeignKey(
        "customers.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="directory_groups",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("directory group mapping")
        verbose_name_plural = _("directory group mappings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_directory_group_name"),
            models.CheckConstraint(
                name="directory_group_gives_something",
                condition=~models.Q(role="") | models.Q(team__isnull=False) | models.Q(organisation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name
