"""What the training services share: the rows they lock."""

from training.models import (
    Enrolment,
    TrainingSession,
)

# what changes a session's invitation: enrolled people get the new one
INVITATION_FIELDS = ("title", "format", "location", "meeting_link", "starts_at", "ends_at", "trainer_id")


def _session_for_update(session_id: int) -> TrainingSession:
    return TrainingSession.objects.select_for_update().select_related("plan__project").get(pk=session_id)


def _enrolment_for_update(enrolment_id: int) -> Enrolment:
    # the session first (ordered locking): enrolling and cancelling both lock it
    session_id = Enrolment.objects.values_list("session_id", flat=True).get(pk=enrolment_id)
    _session_for_update(session_id)
    return (
        Enrolment.objects.select_for_update().select_related("session__plan__project", "contact").get(pk=enrolment_id)
    )
