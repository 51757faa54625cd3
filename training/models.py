"""Training and knowledge transfer: training plans per delivered project, their sessions,
enrolments (with a waiting list), attendance, feedback; and the bilingual knowledge base
(articles with categories, tags, the products they apply to, visibility and revisions) with
the "this solved it" answers that spare a ticket.

See docs/training.md and docs/knowledge-base.md for the rules these rows follow.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    CHINESE = "zh-hans", "简体中文"


# --- training ------------------------------------------------------------------------------


class TrainingPlan(TimeStampedModel):
    """What a delivered project's people are to learn, tailored to them: a list of topics."""

    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="training_plans", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(
        _("audience"), max_length=200, blank=True, help_text=_("Who it is for, e.g. operators, system administrators.")
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["project__name", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    class Kind(models.TextChoices):
        PRINCIPLES = "principles", _("System principles")
        OPERATION = "operation", _("Operation")
        TROUBLESHOOTING = "troubleshooting", _("Troubleshooting")
        MAINTENANCE = "maintenance", _("Daily maintenance")
        CUSTOM = "custom", _("Custom topic")

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="topics", verbose_name=_("plan"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0, validators=[MaxValueValidator(1000)]
    )

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class TrainingSession(TimeStampedModel):
    """One sitting of a plan: on site, centralised at a venue, or online; a trainer, a time, a
    capacity. Enrolments past the capacity wait in line."""

    class Format(models.TextChoices):
        ONSITE = "onsite", _("On site")
        CENTRALISED = "centralised", _("Centralised")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(
        TrainingPlan, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("training plan")
    )
    title = models.CharField(_("title"), max_length=200)
    format = models.CharField(
        pgettext_lazy("training session", "format"), max_length=20, choices=Format.choices, default=Format.ONSITE
    )
    location = models.CharField(
        _("address or venue"), max_length=300, blank=True, help_text=_("Where: the site address or the venue.")
    )
    meeting_link = models.URLField(_("meeting link"), max_length=500, blank=True)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("trainer")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=20, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.CHINESE)
    description = models.TextField(_("description"), blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="sessions", verbose_name=_("topics"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # the invitation's SEQUENCE: raised by every change of time or place, and by cancelling
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="training_session_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            )
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="training_session_upcoming")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A session ends after it starts.")
        if self.format == self.Format.ONLINE and not self.meeting_link:
            errors["meeting_link"] = _("An online session needs its meeting link.")
        if self.format != self.Format.ONLINE and not self.location.strip():
            errors["location"] = _("Say where the session takes place.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class Material(models.Model):
    """A handout of a session: an uploaded file or a link."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="materials", verbose_name=_("session")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="training/materials/%Y/%m/", blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(name="training_material_file_or_link", condition=~Q(file="") | ~Q(url=""))
        ]

    def __str__(self) -> str:
        return self.title


class Enrolment(TimeStampedModel):
    """A customer contact's seat in a session, or place in its waiting list (``queued_at``
    orders the line). Cancelled rows stay, so enrolling again reuses them."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    class Attendance(models.TextChoices):
        UNKNOWN = "", _("Not taken")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("session")
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("participant")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ENROLLED)
    queued_at = models.DateTimeField(_("queued at"))
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("enrolled by")
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN, blank=True
    )
    attendance_at = models.DateTimeField(_("attendance taken at"), null=True, blank=True)
    attendance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "contact"], name="training_one_enrolment_per_contact")
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.session}"

    @property
    def certificate_number(self) -> str:
        return f"TC-{self.session.starts_at:%Y}-{self.pk:06d}"


class Feedback(models.Model):
    """What a participant thought of a session they attended: once, after it ended."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("enrolment")
    )
    rating = models.PositiveSmallIntegerField(
        _("overall rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    trainer_rating = models.PositiveSmallIntegerField(
        _("trainer"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comments = models.TextField(_("comments"), blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(name="training_feedback_rating_1_5", condition=Q(rating__gte=1, rating__lte=5))
        ]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.rating}"


# --- knowledge base ------------------------------------------------------------------------


class Category(models.Model):
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0, validators=[MaxValueValidator(1000)]
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") and self.name_zh else self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SearchColumn(SearchVectorField):
    """A PostgreSQL ``tsvector``; a text column nobody reads on SQLite (see training.search)."""

    def db_type(self, connection) -> str:
        return super().db_type(connection) if connection.vendor == "postgresql" else "text"


class Article(TimeStampedModel):
    class Kind(models.TextChoices):
        TROUBLESHOOTING = "troubleshooting", _("Troubleshooting guide")
        FAQ = "faq", _("FAQ")
        HOWTO = "howto", _("Maintenance how-to")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        CUSTOMERS = "customers", _("Customers")
        STAFF = "staff", _("Staff only")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("article status", "Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TROUBLESHOOTING)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.STAFF)
    projects = models.ManyToManyField(
        "customers.Project",
        blank=True,
        related_name="articles",
        verbose_name=_("projects"),
        help_text=_("Visible to customers: only these projects' customers; none: every customer."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles", verbose_name=_("category")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written from ticket"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    published_at = models.DateTimeField(pgettext_lazy("article", "published at"), null=True, blank=True)
    # what search reads: the words and Chinese bigrams of everything above (training.search)
    search_document = models.TextField(editable=False, blank=True, default="")
    search_vector = SearchColumn(null=True, editable=False)
    history = HistoricalRecords(
        verbose_name=_("historical article"), excluded_fields=["search_document", "search_vector", "updated_at"]
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "visibility", "language"], name="article_visible")]

    def __str__(self) -> str:
        return self.title


class AppliesTo(models.Model):
    """A product (by the name installed products carry) and the versions an article is for."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="applies_to")
    product = models.CharField(_("product"), max_length=120)
    versions = models.CharField(
        _("versions"), max_length=120, blank=True, help_text=_("E.g. 2.x, 3.0-3.2; empty: all.")
    )

    class Meta:
        verbose_name = _("product it applies to")
        verbose_name_plural = _("products it applies to")
        ordering = ["product", "pk"]

    def __str__(self) -> str:
        return f"{self.product} {self.versions}".strip()


class Deflection(models.Model):
    """Someone said an article solved their problem: a ticket not filed. Counted for the
    dashboards' deflection rate."""

    class Source(models.TextChoices):
        TICKET_FORM = "ticket_form", _("Beside the fault report form")
        ARTICLE = "article", _("On the article")
        API = "api", _("API")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(
        "customers.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    query = models.CharField(_("what they typed"), max_length=500, blank=True)
    source = models.CharField(_("where"), max_length=20, choices=Source.choices, default=Source.ARTICLE)
    # who said it, once per article: "user:<id>", or "anon:<digest of the visitor's session key>";
    # empty on rows from before the rule (and on those written without a visitor)
    visitor = models.CharField(_("visitor"), max_length=80, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("solved without a ticket")
        verbose_name_plural = _("solved without a ticket")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "visitor"], condition=~Q(visitor=""), name="one_deflection_per_visitor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article} · {self.created_at:%Y-%m-%d}"
