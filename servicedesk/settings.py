"""Settings, read from the environment (12-factor).

Every variable is listed, with its default, in docs/configuration.md and .env.example.
With nothing set the product runs on a SQLite file and Kombu's filesystem broker in
``var/`` (the embedded default); production sets DATABASE_URL and REDIS_URL.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from servicedesk.celery_schedule import TASK_ROUTES, beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Where the embedded defaults keep their files: SQLite database, broker folders, cache.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-only-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    # the second factor: TOTP devices and recovery codes (accounts/two_factor.py)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "servicedesk.apps.LoginProtectionConfig",  # django-axes
    # the ground floor
    "core",
    "accounts",
    "customers",
    "notifications",
    # the domain
    "tickets",
    "identity",  # directory (LDAP) and OpenID Connect sign-in
    "parts",
    "emergency",
    "maintenance",
    "training",
    "reports",
    "mail",
    "imports",
    # personal data: export, erasure, retention (above every app whose rows it reads)
    "privacy",
    # the demo desk (seed_demo), above every app
    "demo",
    # the roof last, so its templates and checks see every app
    "servicedesk",
]

MIDDLEWARE = [
    # first: every log line written while a request is served carries its client address
    "core.clients.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # notes when each signed-in session was last used (accounts/session_middleware.py)
    "accounts.session_middleware.SessionActivityMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor's state
    "accounts.middleware.UserPreferencesMiddleware",
    # after the user's language is active: asks for the second factor, or for its set-up
    "accounts.two_factor_middleware.TwoFactorMiddleware",
    # signed in through OpenID Connect: back to the provider now and then (identity/oidc.py; off by default)
    "identity.oidc.SessionRenewal",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"
ASGI_APPLICATION = "servicedesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.context_processors.navigation",
                "identity.oidc.sign_in_button",  # the login page's single sign-on button
            ],
        },
    },
]

# --- data -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL lets readers go on while one writes, and
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# A PostgreSQL streaming replica the reports read from (core/db.py, docs/scaling.md); unset, one
# database. The session is read-only too, so a write sent there by mistake is refused.
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    if "postgresql" not in DATABASES["default"]["ENGINE"] or "postgresql" not in DATABASES["replica"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is a PostgreSQL streaming replica of DATABASE_URL's server")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["replica"]["OPTIONS"]["options"] = "-c default_transaction_read_only=on"
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests: the same rows through a second connection
    DATABASE_ROUTERS = ["core.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared by web, worker and beat processes without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- users, languages, time -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# AUTHENTICATION_BACKENDS: servicedesk/identity_settings.py (passwords, the directory, OpenID Connect)
# The client address (core/clients.py, docs/security.md) for throttles, login protection, logs
# and audit rows alike: 0 ignores X-Forwarded-For (the connection's address is the client's);
# behind N reverse proxies that append to X-Forwarded-For, the Nth address from the right.
# PROXY_COUNT is its deprecated former name, still read when TRUSTED_PROXY_COUNT is not set.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("PROXY_COUNT", default=0))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front of the desk: 0 or more.")
# Login protection (django-axes and accounts/login_protection.py): LOGIN_FAILURE_LIMIT failures of
# one account from any address lock that account, LOGIN_ADDRESS_FAILURE_LIMIT failures from one
# client address across all usernames lock that address, each for LOGIN_LOCKOUT_MINUTES (not
# extended by attempts during the lock). A completed password reset clears the account's failures
# and signs the user in, so an account lock never keeps the real user out.
AXES_HANDLER = "accounts.login_protection.LoginProtectionHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one trips (the handler's two limits)
AXES_RESET_ON_SUCCESS = True  # the account's failures (never the address's: see the handler)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "core.clients.axes_client_address"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # refuses nothing: its hook revokes the user's API tokens whenever a password is set
    {"NAME": "accounts.authentication.RevokeTokensOnPasswordChange"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# Our catalogue first; then the strings that upstream zh_Hans catalogues lack (kept by hand).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "upstream"]
USE_I18N = True
FORMAT_MODULE_PATH = ["core.formats"]
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")

# --- static and uploaded files ----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads are never served from a public path: views check who may see them.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# upload quotas (core/uploads.py, docs/security.md): files one form may carry, files one
# message (a ticket's report, a reply, an email filed) may hold, and all of a ticket's files
ATTACHMENT_MAX_FILES_PER_REQUEST = env.int("ATTACHMENT_MAX_FILES_PER_REQUEST", default=10)
ATTACHMENT_MAX_FILES_PER_COMMENT = env.int("ATTACHMENT_MAX_FILES_PER_COMMENT", default=25)
ATTACHMENT_MAX_BYTES_PER_TICKET = env.int("ATTACHMENT_MAX_BYTES_PER_TICKET", default=200 * 1024 * 1024)

# --- email ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="service-desk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Email intake (mail/, docs/email.md). A mailbox comes from the admin, or from these settings
# when MAIL_IMAP_HOST is set; replies to the desk's emails go to MAIL_REPLY_TO (the support
# address) when it is set, else to DEFAULT_FROM_EMAIL.
MAIL_IMAP_HOST = env.str("MAIL_IMAP_HOST", default="")
MAIL_IMAP_SECURITY = env.str("MAIL_IMAP_SECURITY", default="tls")  # tls, starttls or plain
MAIL_IMAP_PORT = env.int("MAIL_IMAP_PORT", default=993 if MAIL_IMAP_SECURITY == "tls" else 143)
MAIL_IMAP_USER = env.str("MAIL_IMAP_USER", default="")
MAIL_IMAP_PASSWORD = env.str("MAIL_IMAP_PASSWORD", default="")
MAIL_IMAP_FOLDER = env.str("MAIL_IMAP_FOLDER", default="INBOX")
MAIL_IMAP_CA_FILE = env.str("MAIL_IMAP_CA_FILE", default="")  # a private CA's certificate, for TLS
MAIL_ADDRESS = env.str("MAIL_ADDRESS", default="")  # the support address that mailbox receives
MAIL_REPLY_TO = env.str("MAIL_REPLY_TO", default="")
MAIL_POLL_SECONDS = env.float("MAIL_POLL_SECONDS", default=60.0)
MAIL_POLL_BATCH = env.int("MAIL_POLL_BATCH", default=50)  # messages per mailbox and poll
MAIL_MAX_BYTES = env.int("MAIL_MAX_BYTES", default=25 * 1024 * 1024)  # larger ones are quarantined
# Sender authentication (docs/security.md, mail/authentication.py): the authserv-id of the
# receiving server's Authentication-Results headers; empty: senders are not verified
MAIL_AUTHSERV_ID = env.str("MAIL_AUTHSERV_ID", default="")
# A message over one of these limits is quarantined (docs/email.md)
MAIL_MAX_PARTS = env.int("MAIL_MAX_PARTS", default=200)  # MIME parts per message
MAIL_MAX_ATTACHMENTS = env.int("MAIL_MAX_ATTACHMENTS", default=20)  # files per message
MAIL_MAX_ATTACHMENTS_BYTES = env.int("MAIL_MAX_ATTACHMENTS_BYTES", default=20 * 1024 * 1024)  # their total size
MAIL_MAX_HEADER_BYTES = env.int("MAIL_MAX_HEADER_BYTES", default=128 * 1024)  # the header section

# --- security (production values unless DEBUG) ------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Celery -----------------------------------------------------------------------------
# No broker URL: Kombu's filesystem transport in var/broker, so ETA tasks and beat work on a
# laptop without Redis. Eager mode is never used outside unit tests: it would run every ETA
# task at once.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
    }
    for folder in ("queue", "control", "processed"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
else:
    # ETAs stay far below the visibility timeout: nothing is queued more than minutes ahead. A
    # worker takes from its queues in the order its -Q names them ("priority"), not in turn: with
    # -Q urgent,emergency,default an urgent task never waits behind a backlog of ordinary ones.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "queue_order_strategy": "priority"}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# The worker keeps its database connection across tasks (servicedesk/celery.py: Django's
# close_old_connections() around each task honours CONN_MAX_AGE and drops a broken one); Celery's
# Django fixup would close it around every task, and with this it recycles it once per so many.
CELERY_DB_REUSE_MAX = 1000
# Every task's queue, and beat's schedule below: servicedesk/celery_schedule.py
CELERY_TASK_ROUTES = TASK_ROUTES
# Deliveries (notifications/): a claim older than this is a dead attempt and is sent again; a
# delivery whose task has not run after this many seconds is sent by the sweeper.
DELIVERY_CLAIM_TIMEOUT_SECONDS = env.int("DELIVERY_CLAIM_TIMEOUT_SECONDS", default=300)
DELIVERY_SWEEP_AFTER_SECONDS = env.int("DELIVERY_SWEEP_AFTER_SECONDS", default=60)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Outbound requests to addresses users and admins enter (core/outbound.py, docs/security.md):
# these hosts (exact names or IPs, ".example.com" for a domain, or networks like 10.1.0.0/16)
# may be on a private or loopback address; every other one must be public.
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
# Deadlines (tickets/deadlines.py): warning and due moments closer than the horizon get an ETA
# task; the watchdog runs every period, queues what enters the horizon and handles what a lost
# task missed. The horizon stays far below the broker's visibility timeout.
SLA_WATCHDOG_SECONDS = env.float("SLA_WATCHDOG_SECONDS", default=60.0)
SLA_HORIZON_SECONDS = env.int("SLA_HORIZON_SECONDS", default=300)
# The emergency response target of a project that sets none (docs/emergency.md): round-the-clock
# minutes from the report. 0: the shortest response target of the response plans (120 without any).
EMERGENCY_RESPONSE_MINUTES = env.int("EMERGENCY_RESPONSE_MINUTES", default=0)
# The queues the workers must consume between them (docs/production.md); beat sends a heartbeat
# to each, and /healthz reports each.
WORKER_QUEUES = ("urgent", "emergency", "default")
HEARTBEAT_SECONDS = env.float("HEARTBEAT_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = beat_schedule(
    worker_queues=WORKER_QUEUES,
    heartbeat_seconds=HEARTBEAT_SECONDS,
    sweep_seconds=env.float("SWEEP_SECONDS", default=60.0),
    watchdog_seconds=SLA_WATCHDOG_SECONDS,
    incident_deadline_seconds=env.float("INCIDENT_DEADLINE_SECONDS", default=60.0),
    mail_poll_seconds=MAIL_POLL_SECONDS,
)
# Beat keeps its schedule in memory: every entry runs every few minutes at most (an interval
# restarts with beat), so nothing is lost by a restart, and no shelve file can be left
# half-written by a killed process.
CELERY_BEAT_SCHEDULER = "celery.beat:Scheduler"

# The desk's defaults (manage.py setup_desk): the working-hours calendar takes the public
# holidays and make-up working days of DESK_COUNTRY (ISO 3166; empty for none); the default SLA
# policy answers ordinary questions and faults within SLA_ANSWER_WORKING_HOURS working hours (the
# promise's X) and responds to urgent faults within SLA_URGENT_RESPONSE_HOURS round the clock (Y).
DESK_COUNTRY = env.str("DESK_COUNTRY", default="CN").upper()
SLA_ANSWER_WORKING_HOURS = env.float("SLA_ANSWER_WORKING_HOURS", default=4.0)
SLA_URGENT_RESPONSE_HOURS = env.float("SLA_URGENT_RESPONSE_HOURS", default=1.0)

# PDF reports (incident reports, reviews) embed this TrueType font (a .ttc: its first face); it
# must cover Chinese. `make install` puts Debian's fonts-wqy-microhei there.
PDF_FONT = env.str("PDF_FONT", default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# Warranties (maintenance/): "expiring" this many days before the last day covered, when the
# manager and the customer contact are reminded. A survey link after a resolved ticket lasts
# this many days.
WARRANTY_EXPIRING_DAYS = env.int("WARRANTY_EXPIRING_DAYS", default=60)
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=14)
# emergency: the owner of a review's improvement action is reminded this many days before its due date
REVIEW_ACTION_REMINDER_DAYS = env.int("REVIEW_ACTION_REMINDER_DAYS", default=2)
# training: how long before a session its participants are reminded
TRAINING_REMINDER_HOURS = env.int("TRAINING_REMINDER_HOURS", default=24)
# knowledge base: "this solved it" clicks of anonymous visitors taken per client address and hour
KB_SOLVED_ANONYMOUS_PER_HOUR = env.int("KB_SOLVED_ANONYMOUS_PER_HOUR", default=20)

# Absolute links in emails and webhook messages start with this.
FORMS_URLFIELD_ASSUME_HTTPS = True  # the Django 6.0 default, now
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- API --------------------------------------------------------------------------------
# An API token (POST /api/v1/auth/token/) stops working this many days after it was issued.
API_TOKEN_TTL = datetime.timedelta(days=env.int("API_TOKEN_TTL", default=30))
REST_FRAMEWORK = {
    # Token first: an anonymous call then answers 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in; endpoints that take files add the multipart parser themselves.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": env.str("TOKEN_THROTTLE_RATE", default="10/min")},
    # Throttles key callers on core.clients.client_address (core/throttling.py); a stock DRF
    # throttle reads X-Forwarded-For by the same rule with this.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "After-sales service desk API",
    "DESCRIPTION": "Tickets, SLA clocks, emergency incidents, warranty and maintenance, training and the "
    "knowledge base. Authenticate with `Authorization: Token <token>` (POST /api/v1/auth/token/). "
    "Every 4xx answer has the Error shape.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed package, not a CDN: the app works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # choice sets used by several fields get one name each
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "tickets.models.Ticket.Category",
        "ChannelEnum": "tickets.models.Ticket.Channel",
        "StatusEnum": "tickets.models.Ticket.Status",
        "PriorityEnum": "tickets.models.Priority",
        "MacroScopeEnum": "tickets.models.Macro.Scope",
        "MacroAssignmentEnum": "tickets.models.Macro.Assignment",
        "TicketLinkKindEnum": "tickets.models.TicketLink.Kind",
        "StateEnum": "emergency.api.incidents.TARGET_STATES",
        "IncidentGradeEnum": "emergency.models.Grade",
        "InboundEmailStatusEnum": "mail.models.InboundMessage.Status",
        "LevelEnum": "emergency.models.Level",
        "IncidentStatusEnum": "emergency.models.Incident.Status",
        "IncidentChannelEnum": "emergency.models.Incident.Channel",
        "IncidentEntryKindEnum": "emergency.models.IncidentEntry.Kind",
        "ResourceKindEnum": "emergency.models.ResourceKind",
        "RiskCategoryEnum": "emergency.models.Risk.Category",
        "RiskStatusEnum": "emergency.models.Risk.Status",
        "CauseEnum": "maintenance.models.Cause",
        "DecisionEnum": "maintenance.models.Decision",
        "ServiceEnum": "maintenance.models.Service",
        "InspectionStatusEnum": "maintenance.models.Inspection.Status",
        "ReturnVisitStatusEnum": "maintenance.models.ReturnVisit.Status",
        "UpgradeStatusEnum": "maintenance.models.UpgradeNotice.Status",
        "WarrantyStatusEnum": "maintenance.api.shared.WARRANTY_STATUSES",
        "UpgradeStepEnum": "maintenance.api.shared.TRACK_STATUSES",
        "BillableItemKindEnum": "maintenance.models.BillableItem.Kind",
        "InspectionKindEnum": "maintenance.models.Inspection.Kind",
        "ReleaseKindEnum": "maintenance.models.Release.Kind",
        "TopicKindEnum": "training.models.Topic.Kind",
        "SessionFormatEnum": "training.models.TrainingSession.Format",
        "SessionStatusEnum": "training.models.TrainingSession.Status",
        "EnrolmentStatusEnum": "training.models.Enrolment.Status",
        "AttendanceEnum": "training.models.Enrolment.Attendance",
        "TrainingLanguageEnum": "training.models.Language",
        "LanguageEnum": "django.conf.settings.LANGUAGES",  # the user's own (MeOutput), as before training
        "ArticleKindEnum": "training.models.Article.Kind",
        "ArticleVisibilityEnum": "training.models.Article.Visibility",
        "ArticleStatusEnum": "training.models.Article.Status",
        "ReportGroupByEnum": "reports.api.dashboard.GROUP_CHOICES",
        "ArchiveKindEnum": "reports.api.archive.KIND_CHOICES",
        "ImportKindEnum": "imports.models.ImportJob.Kind",
        "ImportStatusEnum": "imports.models.ImportJob.Status",
        "ImportVerdictEnum": "imports.api.VERDICT_CHOICES",
        "QualityReviewPeriodEnum": "reports.models.QualityReview.Period",
        "PartMovementKindEnum": "parts.models.Movement.Kind",
        "RmaStateEnum": "parts.models.Rma.State",
        "StockLocationKindEnum": "parts.models.StockLocation.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.add_error_responses",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # each line names the client address of the request it was written in (core/clients.py), "-" outside one
    "filters": {"client_address": {"()": "core.clients.ClientAddressFilter"}},
    "formatters": {"client": {"format": "%(levelname)s %(name)s [%(client_address)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_address"], "formatter": "client"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"level": env.str("LOG_LEVEL", default="INFO")},
        "django.db.backends": {"level": "WARNING"},
        # some forty INFO lines per PDF while fpdf2 subsets the font
        "fontTools": {"level": "WARNING"},
    },
}

# Directory, single sign-on, the second factor, sessions and personal data: servicedesk/identity_settings.py
from servicedesk.identity_settings import *  # noqa: E402,F403
