"""Imports: a file of one kind checked row by row (every row's verdict), then written in one
transaction, or not at all. The command, the admin, the API and the task call these."""

import datetime
import logging
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from imports.kinds import KINDS, RowError, Verdict
from imports.kinds.base import ERROR, VERDICTS
from imports.models import ImportJob
from imports.reading import read_table

logger = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
PROGRESS_KEY = "imports:job:{}:progress"
STALE_RUN = 30 * 60  # seconds: a job "importing" longer than this lost its worker (the task's limit is 25 min)


class _Rollback(Exception):
    """Ends a dry run's transaction: nothing it did stays."""


@dataclass
class Result:
    kind: str
    verdicts: list[Verdict] = field(default_factory=list)
    saved: bool = False

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(verdict.verdict for verdict in self.verdicts)
        return {name: found.get(name, 0) for name in VERDICTS}

    @property
    def ok(self) -> bool:
        return not self.counts[ERROR]

    def sorted_verdicts(self) -> list[dict]:
        """Errors first, then by line."""
        return [v.as_dict() for v in sorted(self.verdicts, key=lambda v: (v.verdict != ERROR, v.line))]


def require_admin(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.is_admin):
        raise NotAllowed(_("Only administrators import data."))


def _serialise_imports(kind: str) -> None:
    """Imports of one kind run one at a time (PostgreSQL: a lock held until commit), so two
    cannot both find a key missing and both insert it."""
    connection = connections[router.db_for_write(ImportJob)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [2300, zlib.crc32(kind.encode()) & 0x7FFFFFFF])


def import_file(
    *,
    actor: User,
    kind: str,
    content: bytes,
    name: str = "",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Check every row of the file; unless ``dry_run`` or a row is wrong, write them all in one
    transaction. A file that cannot be read is one error on line 1."""
    require_admin(actor)
    if kind not in KINDS:
        raise ServiceDeskError(
            _("Choose a kind: %(kinds)s.") % {"kinds": ", ".join(KINDS)},
            field="kind",
        )
    if len(content) > MAX_BYTES:
        raise ServiceDeskError(_("The file is larger than 50 MB: split it."), field="file")
    step = progress or (lambda _percent: None)
    definition = KINDS[kind]
    result = Result(kind=kind)
    try:
        table = read_table(content, name)
    except ServiceDeskError as error:
        result.verdicts = [Verdict(line=1, verdict=ERROR, errors=[error.message])]
        return result
    if len(table.rows) > MAX_ROWS:
        result.verdicts = [
            Verdict(line=1, verdict=ERROR, errors=[_("At most 100,000 rows at a time: split the file.")])
        ]
        return result
    missing = [column for column in definition.required() if column not in table.header]
    unknown = [column for column in table.header if column and column not in definition.column_names()]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("Required columns missing: %(columns)s.") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(
                _("Unknown columns: %(columns)s (the columns are %(known)s).")
                % {"columns": ", ".join(unknown), "known": ", ".join(definition.column_names())}
            )
        result.verdicts = [Verdict(line=1, verdict=ERROR, errors=problems)]
        return result
    step(10)
    try:
        with transaction.atomic():
            _serialise_imports(kind)
            try:
                plan = definition.plan(table.rows, actor=actor, present=set(table.header))
            except RowError as error:
                result.verdicts = [Verdict(line=1, verdict=ERROR, errors=[str(error)])]
                return result
            result.verdicts = plan.verdicts
            step(40)
            if dry_run or not plan.ok or not table.rows:
                return result
            try:
                plan.apply()
            except (ServiceDeskError, IntegrityError) as error:
                # a rule only the writing finds (or a row someone else saved meanwhile)
                message = getattr(error, "message", None) or str(error)
                result.verdicts.append(Verdict(line=1, verdict=ERROR, errors=[message]))
                raise _Rollback from error
            result.saved = True
            step(95)
    except _Rollback:
        result.saved = False
    if result.saved:
        logger.info("import of %s rows of %s by %s: %s", len(table.rows), kind, actor, result.counts)
    return result


# --- jobs (the admin and the API) ------------------------------------------------------------


def _check_upload(upload: UploadedFile | None) -> None:
    if upload is None:
        raise ServiceDeskError(_("Choose a file."), field="file")
    if upload.size > MAX_BYTES:
        raise ServiceDeskError(_("The file is larger than 50 MB: split it."), field="file")
    if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise ServiceDeskError(_("Upload a CSV or XLSX file."), field="file")


def _store(job: ImportJob, result: Result) -> None:
    job.rows = sum(1 for v in result.verdicts if v.line > 1 or v.verdict != ERROR)
    job.counts = result.counts
    job.verdicts = result.sorted_verdicts()


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


@transaction.atomic
def import_job_create(*, actor: User, kind: str, upload: UploadedFile | None, start: bool = False) -> ImportJob:
    """Keep the uploaded file and its preview (every row's verdict, nothing imported). ``start``:
    queue the import at once when no row is wrong (the API without ``dry_run``)."""
    require_admin(actor)
    if kind not in KINDS:
        raise ServiceDeskError(_("Choose a kind: %(kinds)s.") % {"kinds": ", ".join(KINDS)}, field="kind")
    _check_upload(upload)
    content = upload.read()
    upload.seek(0)
    job = ImportJob(kind=kind, created_by=actor, file_name=upload.name[:200])
    result = import_file(actor=actor, kind=kind, content=content, name=upload.name, dry_run=True)
    _store(job, result)
    job.status = ImportJob.Status.PREVIEWED if result.ok else ImportJob.Status.INVALID
    job.file.save(upload.name, upload, save=False)
    job.save()
    if start and job.can_start:
        return import_job_start(actor=actor, job_id=job.pk)
    return job


@transaction.atomic
def import_job_start(*, actor: User, job_id: int) -> ImportJob:
    """Queue the import of a previewed job without errors; starting twice queues it once."""
    require_admin(actor)
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING, ImportJob.Status.DONE):
        return job
    if not job.can_start:
        raise ServiceDeskError(_("Correct the rows with errors and upload the file again."), field="file")
    job.status = ImportJob.Status.QUEUED
    job.progress = 0
    job.save(update_fields=["status", "progress", "updated_at"])

    from imports.tasks import import_job_run as task

    transaction.on_commit(lambda: task.delay(job.pk))
    return job


def _claim(job_id: int) -> ImportJob | None:
    """The job, now running, if this delivery may run it: a queued job, or one whose worker was
    lost mid-import (its transaction rolled back, so running it again is safe)."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=STALE_RUN)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return None
        lost = job.status == ImportJob.Status.RUNNING and job.started_at and job.started_at < stale
        if job.status != ImportJob.Status.QUEUED and not lost:
            return None
        job.status, job.started_at, job.progress = ImportJob.Status.RUNNING, now, 5
        job.save(update_fields=["status", "started_at", "progress", "updated_at"])
    return job


def import_job_progress(*, job: ImportJob) -> int:
    """The job's progress in per cent: the running import's (kept in the cache, since its own
    transaction is not yet visible), else the row's."""
    if job.status == ImportJob.Status.RUNNING:
        return int(cache.get(PROGRESS_KEY.format(job.pk), job.progress))
    return job.progress


def import_job_run(*, job_id: int) -> ImportJob | None:
    """The worker's part: import the job's file in one transaction and keep the report.
    A duplicate delivery finds the job no longer queued and does nothing."""
    job = _claim(job_id)
    if job is None:
        return None
    key = PROGRESS_KEY.format(job.pk)

    def step(percent: int) -> None:
        cache.set(key, percent, timeout=STALE_RUN)

    try:
        result = import_file(
            actor=job.created_by, kind=job.kind, content=_read(job), name=job.file_name, dry_run=False, progress=step
        )
    except ServiceDeskError as error:
        job.status, job.message = ImportJob.Status.FAILED, error.message
    else:
        _store(job, result)
        job.status = ImportJob.Status.DONE if result.saved else ImportJob.Status.FAILED
        job.message = "" if result.saved else _("Nothing was imported: see the rows with errors.")
    job.progress, job.finished_at = 100, timezone.now()
    job.save()
    cache.delete(key)
    return job
