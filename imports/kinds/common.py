"""The loop every keyed kind runs: read the row's values, refuse a key seen earlier in the file,
then a new row or a change of the row with that key, checked by the model."""

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from imports.kinds.base import NEW, UNCHANGED, UPDATE, RowError, Verdict, changed_fields, check_model

BATCH = 1000


class Writes:
    """The rows to insert and to update of one model, written in batches after every check."""

    def __init__(self, model: type[models.Model], *, history: bool = True) -> None:
        self.model = model
        self.history = history
        self.new: list[models.Model] = []
        self.changed: list[models.Model] = []
        self.fields: set[str] = set()

    def write(self, actor) -> None:
        now = timezone.now()
        if self.new:
            if self.history:
                bulk_create_with_history(self.new, self.model, batch_size=BATCH, default_user=actor)
            else:
                self.model.objects.bulk_create(self.new, batch_size=BATCH)
        if self.changed:
            fields = sorted(self.fields)
            if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
                for instance in self.changed:
                    instance.updated_at = now
                fields.append("updated_at")
            if self.history:
                bulk_update_with_history(self.changed, self.model, fields, batch_size=BATCH, default_user=actor)
            else:
                self.model.objects.bulk_update(self.changed, fields, batch_size=BATCH)


def judge(
    verdict: Verdict,
    *,
    instance: models.Model | None,
    make: Callable[[], models.Model],
    values: dict[str, Any],
    writes: Writes,
    exclude: list[str],
) -> models.Model | None:
    """New (``instance`` None: ``make()`` with ``values``), update (the changed values) or
    unchanged; the model's checks on what would be written."""
    if instance is None:
        instance = make()
        for name, value in values.items():
            setattr(instance, name, value)
        problems = check_model(instance, exclude)
        for problem in problems:
            verdict.error(problem)
        if not problems:
            verdict.verdict = NEW
            writes.new.append(instance)
        return instance
    changes = changed_fields(instance, values)
    if not changes:
        verdict.verdict = UNCHANGED
        return instance
    for name in changes:
        setattr(instance, name, values[name])
    problems = check_model(instance, exclude)
    for problem in problems:
        verdict.error(problem)
    if not problems:
        verdict.verdict = UPDATE
        verdict.changes = changes
        writes.changed.append(instance)
        writes.fields.update(changes)
    return instance


class Seen:
    """Keys already met in the file: a second row with the same key is an error."""

    def __init__(self) -> None:
        self.lines: dict[Any, int] = {}

    def check(self, key: Any, line: int, label: str) -> None:
        if key in self.lines:
            raise RowError(
                _("%(label)s is already on line %(line)d of the file.") % {"label": label, "line": self.lines[key]}
            )
        self.lines[key] = line


def text(row: dict[str, str], name: str, present: set[str], values: dict[str, Any]) -> None:
    """An optional text column: taken only when the file has the column."""
    if name in present:
        values[name] = row.get(name, "")


def need(row: dict[str, str], name: str) -> str:
    value = row.get(name, "")
    if not value:
        raise RowError(_("%(column)s is required.") % {"column": name})
    return value
