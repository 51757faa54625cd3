"""Users, their roles, and the staff teams (the emergency groups among them).

The ground floor: this module imports no other app. A customer user's organisation is a
lazy reference to ``customers.Organisation``.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(DjangoUserManager):
    def staff(self) -> "models.QuerySet[User]":
        """Vendor staff who can act now: active engineers, managers and admins, superusers
        included. The one meaning of "staff" for choices, notifications and assignments."""
        return self.filter(models.Q(is_superuser=True) | ~models.Q(role=User.Role.CUSTOMER), is_active=True)

    def managers(self) -> "models.QuerySet[User]":
        """Active managers: who escalations and reminders go to "the managers"."""
        return self.filter(role=User.Role.MANAGER, is_active=True)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        ENGINEER = "engineer", _("Engineer")
        MANAGER = "manager", _("Manager")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    organisation = models.ForeignKey(
        "customers.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        help_text=_("Customers belong to exactly one organisation; staff to none."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, choices=_time_zone_choices)
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="customer_has_organisation",
                condition=~models.Q(role="customer") | models.Q(organisation__isnull=False) | models.Q(is_active=False),
            ),
            models.CheckConstraint(
                name="staff_has_no_organisation",
                condition=models.Q(role="customer") | models.Q(organisation__isnull=True),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role == self.Role.CUSTOMER and self.is_active and not self.organisation_id:
            raise ValidationError({"organisation": _("A customer must belong to an organisation.")})
        if self.role != self.Role.CUSTOMER and self.organisation_id:
            raise ValidationError({"organisation": _("Staff users do not belong to a customer organisation.")})

    @property
    def is_customer(self) -> bool:
        return self.role == self.Role.CUSTOMER

    @property
    def is_engineer(self) -> bool:
        return self.role == self.Role.ENGINEER

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def is_staff_member(self) -> bool:
        """Vendor staff: engineers, managers and admins (not Django's ``is_staff`` flag)."""
        return self.role != self.Role.CUSTOMER or self.is_superuser

    @property
    def can_manage(self) -> bool:
        """Managers and admins: every organisation, dashboards, configuration of customers."""
        return self.is_manager or self.is_admin

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Team(TimeStampedModel):
    """A named group of staff. The emergency plan's groups are teams of a fixed kind.

    Later modules notify a group by its kind: ``team_members(kind=Team.Kind.LEADERSHIP)``.
    """

    class Kind(models.TextChoices):
        SUPPORT = "support", _("Support team")
        LEADERSHIP = "leadership", _("Emergency leadership group")
        TECHNICAL = "technical", _("Emergency technical group")
        LIAISON = "liaison", _("Emergency liaisons")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SUPPORT)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["kind", "name"]
        constraints = [
            # The plan has one leadership group, one technical group and one liaison group.
            models.UniqueConstraint(
                fields=["kind"],
                condition=~models.Q(kind="support"),
                name="one_team_per_emergency_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(TimeStampedModel):
    class Position(models.TextChoices):
        MEMBER = "member", _("Member")
        PROJECT_LEAD = "project_lead", _("Project lead")
        TECHNICAL_LEAD = "technical_lead", _("Technical lead")
        SENIOR_ENGINEER = "senior_engineer", _("Senior engineer")
        ENGINEER = "engineer", _("Engineer")
        LIAISON = "liaison", _("Liaison")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    position = models.CharField(_("position"), max_length=32, choices=Position.choices, default=Position.MEMBER)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def clean(self) -> None:
        if self.user_id and self.user.is_customer:
            raise ValidationError({"user": _("Only staff users can be members of a team.")})

    def __str__(self) -> str:
        return f"{self.user} @ {self.team}"


class ApiToken(models.Model):
    """An API client's token: one per client or device, with a name. The key itself is shown
    once, when the token is issued; the database holds only its SHA-256 (and the first
    characters, so a person can tell their tokens apart)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=120)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def usable_q(now: datetime.datetime) -> models.Q:
        """Tokens that still open the API at ``now``: not revoked, not expired."""
        return models.Q(revoked_at__isnull=True, expires_at__gt=now)


class CalendarLink(models.Model):
    """A person's link to an iCalendar feed (calendar clients cannot sign in, so the link is
    the key). ``feed`` names the feed in the module that serves it (``"maintenance.project"``)
    and ``object_id`` what it shows; the serving module checks that the person may still see
    it. The key is derived from ``nonce`` with the secret key, so the page can show the same
    link again; the database alone holds no working link (only the key's SHA-256)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_links", verbose_name=_("user")
    )
    feed = models.CharField(_("feed"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("object id"))
    label = models.CharField(_("label"), max_length=200)
    nonce = models.CharField(max_length=64, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        ordering = ["feed", "label", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "feed", "object_id"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_calendar_link",
            )
        ]

    def __str__(self) -> str:
        return self.label


class AuditEvent(models.Model):
    """One line of the security audit log: who signed in or failed to, factor and role changes,
    deactivations, sessions and tokens ended, personal data exported or erased. Written by
    ``accounts.services.audit.record`` only; never changed afterwards (erasure pseudonymises
    ``username``). ``user`` is whom the line concerns, ``actor`` who did it when someone else
    (an admin, the directory); ``username`` keeps the name as typed, for failures of unknown names
    and after the account is gone."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGN_OUT = "sign_out", _("Signed out")
        FACTOR_VERIFIED = "factor_verified", _("Second factor accepted")
        FACTOR_FAILED = "factor_failed", _("Second factor refused")
        FACTOR_ADDED = "factor_added", _("Second factor added")
        FACTOR_REMOVED = "factor_removed", _("Second factor removed")
        RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        ROLE_CHANGED = "role_changed", _("Role changed")
        DEACTIVATED = "deactivated", _("Account deactivated")
        REACTIVATED = "reactivated", _("Account reactivated")
        SESSION_ENDED = "session_ended", _("Session ended")
        TOKEN_ISSUED = "token_issued", _("API token issued")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        DIRECTORY_REFUSED = "directory_refused", _("Refused by the directory mapping")
        DATA_EXPORTED = "data_exported", _("Personal data exported")
        DATA_ERASED = "data_erased", _("Personal data erased")

    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    method = models.CharField(
        _("method"), max_length=32, blank=True, help_text=_("How: password, directory, OpenID Connect, token, …")
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-at"], name="auditevent_user_at"),
            models.Index(fields=["kind", "-at"], name="auditevent_kind_at"),
            models.Index(fields=["-at"], name="auditevent_at"),
        ]

    # How a line came about, in words (``method`` keeps the code; exports carry the code)
    METHOD_LABELS = {
        "password": _("Password"),
        "directory": _("Directory"),
        "ldap": _("Directory"),
        "oidc": _("OpenID Connect"),
        "token": _("API token"),
        "sign_in": _("Sign-in"),
        "enrolment": _("Set-up"),
        "removal": _("Removal"),
    }

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.username}"

    @property
    def method_label(self) -> str:
        return str(self.METHOD_LABELS.get(self.method, self.method))


class UserSession(models.Model):
    """One signed-in browser session of a user, beside Django's session row (which holds no
    owner, address or device): written at sign-in, its ``last_seen_at`` noted at most once a
    minute, ended by signing out, by its owner or an admin, or by deactivation
    (``accounts.services.sessions``). A session that expired on its own has no live row in the
    session store: the lists leave it out."""

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        DIRECTORY = "directory", _("Directory")
        OIDC = "oidc", _("OpenID Connect")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions", verbose_name=_("user")
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True, editable=False)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now, editable=False)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True, editable=False)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True, editable=False)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.PASSWORD)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen_at", "-pk"]
        indexes = [models.Index(fields=["user", "ended_at"], name="usersession_user_ended")]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
