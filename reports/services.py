"""Writing quality reviews: on demand by a manager, and by beat for every active organisation
once its month or quarter has ended. A review is never replaced: asking again for a period
writes the next revision."""

import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.time import desk_today
from customers.models import Organisation
from reports import reviews
from reports.models import QualityReview


@transaction.atomic
def review_generate(
    *,
    organisation: Organisation,
    period: str,
    day: datetime.date,
    actor: User | None = None,
    language: str | None = None,
) -> QualityReview:
    """The review of the ``period`` (month or quarter) holding ``day``, as its next revision.
    ``actor`` None is the scheduler."""
    if actor is not None and not actor.can_manage:
        raise NotAllowed(_("Only managers and admins can write quality reviews."))
    if period not in QualityReview.Period.values:
        raise ServiceDeskError(_("Choose a monthly or a quarterly review."), field="period")
    starts_on, ends_on = reviews.period_bounds(period, day)
    if starts_on > desk_today():
        raise ServiceDeskError(_("The period has not started yet."), field="day")
    Organisation.objects.select_for_update().get(pk=organisation.pk)  # one revision number at a time
    last = QualityReview.objects.filter(organisation=organisation, period=period, starts_on=starts_on).aggregate(
        last=Max("revision")
    )["last"]
    language = language or settings.LANGUAGE_CODE
    from reports.review_pdf import review_pdf

    with translation.override(language):
        figures = reviews.figures(organisation, starts_on, ends_on)
        review = QualityReview(
            organisation=organisation,
            period=period,
            starts_on=starts_on,
            ends_on=ends_on,
            revision=(last or 0) + 1,
            language=language,
            figures=figures,
            generated_by=actor,
        )
        content = review_pdf(review, figures)
    review.file.save(f"{review.reference}.pdf", ContentFile(content), save=False)
    review.save()
    return review


def reviews_generate_due(*, today: datetime.date | None = None) -> int:
    """Beat: the review of the month (and quarter) that ended last, for each active
    organisation that has none yet. Returns how many were written."""
    today = today or desk_today()
    written = 0
    for period in QualityReview.Period.values:
        starts_on, _ends_on = reviews.previous_period(period, today)
        done = QualityReview.objects.filter(period=period, starts_on=starts_on).values("organisation_id")
        for organisation in Organisation.objects.filter(is_active=True).exclude(pk__in=done).order_by("pk"):
            with transaction.atomic():
                locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
                if QualityReview.objects.filter(organisation=locked, period=period, starts_on=starts_on).exists():
                    continue  # another worker wrote it meanwhile
                review_generate(organisation=locked, period=period, day=starts_on)
                written += 1
    return written
