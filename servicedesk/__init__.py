"""The roof: settings, root URLs, the API router, the Celery app.

Domain apps import only its leaf modules (``core.errors``, ``core.models``,
``core.api``), never its URLs or views.
"""

from servicedesk.celery import app as celery_app

__all__ = ["celery_app"]
