"""System checks: under ``check --deploy``, warn when production runs on the embedded defaults;
always, when the PDF font is missing."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.database, deploy=True)
def embedded_defaults_check(app_configs, **kwargs):
    warnings = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        warnings.append(
            Warning(
                "Production runs on SQLite.",
                hint="Set DATABASE_URL to a PostgreSQL database; SQLite cannot lock rows.",
                id="servicedesk.W001",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        warnings.append(
            Warning(
                "Celery uses the filesystem broker.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL) so that workers on several hosts share one queue.",
                id="servicedesk.W002",
            )
        )
    return warnings


@register()
def pdf_font_check(app_configs, **kwargs):
    """Incident and inspection reports are PDFs in Chinese as well as English: they need a font
    with both (``core.pdf``)."""
    if Path(settings.PDF_FONT).is_file():
        return []
    return [
        Warning(
            f"The PDF font {settings.PDF_FONT} is missing: PDF reports will fail.",
            hint="Run `make install` (it installs Debian's fonts-wqy-microhei) or set PDF_FONT to a font "
            "that covers Chinese.",
            id="servicedesk.W003",
        )
    ]
