"""What every kind of import shares: its columns, the verdict of each row, and the parsing of
the values a spreadsheet holds (dates, yes/no, numbers, choices)."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from core.time import desk_zone

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
VERDICTS = (ERROR, NEW, UPDATE, UNCHANGED)


class RowError(Exception):
    """A value of the row is wrong; the message says which and why."""


@dataclass(frozen=True)
class Column:
    name: str
    help: Any  # a lazy translation: what the column holds
    example: str = ""
    required: bool = False
    key: bool = False


@dataclass
class Verdict:
    line: int
    key: str = ""
    verdict: str = NEW
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.verdict = ERROR
        self.errors.append(str(message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "key": self.key,
            "verdict": self.verdict,
            "errors": self.errors,
            "changes": self.changes,
        }


@dataclass
class Plan:
    """The verdict of every row and, when no row is wrong, what writes them."""

    verdicts: list[Verdict]
    apply: Callable[[], None] = lambda: None

    @property
    def ok(self) -> bool:
        return not any(v.verdict == ERROR for v in self.verdicts)


class Kind:
    """One kind of import. ``plan`` reads what the rows refer to in a few queries (one per kind
    of key, whatever the number of rows), checks each row and prepares the writes."""

    name = ""
    label: Any = ""
    columns: list[Column] = []

    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def required(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    def plan(self, rows: list[tuple[int, dict[str, str]]], *, actor, present: set[str]) -> Plan:
        raise NotImplementedError


# --- values -----------------------------------------------------------------------------------

YES = {"yes", "y", "true", "1", "是", "x", "✓"}
NO = {"no", "n", "false", "0", "否", ""}


def as_bool(value: str, column: str) -> bool:
    word = value.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise RowError(_("%(column)s: say yes or no, not “%(value)s”.") % {"column": column, "value": value})


def as_date(value: str, column: str) -> datetime.date | None:
    if not value:
        return None
    try:
        parsed = parse_date(value[:10].replace("/", "-")) if len(value) >= 8 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise RowError(
            _("%(column)s: “%(value)s” is not a date (write YYYY-MM-DD).") % {"column": column, "value": value}
        )
    return parsed


def as_datetime(value: str, column: str) -> datetime.datetime | None:
    """A moment; one without a zone is in the desk's time zone. A date alone is its midnight."""
    if not value:
        return None
    text = value.replace("/", "-")
    try:
        parsed = parse_datetime(text)
        if parsed is None and (day := parse_date(text)) is not None:
            parsed = datetime.datetime.combine(day, datetime.time(0))
    except ValueError:
        parsed = None
    if parsed is None:
        raise RowError(
            _("%(column)s: “%(value)s” is not a date and time (write YYYY-MM-DD HH:MM).")
            % {"column": column, "value": value}
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=desk_zone())
    return parsed


def as_int(value: str, column: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise RowError(
            _("%(column)s: “%(value)s” is not a whole number.") % {"column": column, "value": value}
        ) from None


def as_choice(value: str, choices: type[models.TextChoices], column: str, default: str | None = None) -> str:
    """A choice by its value or by its label in English or Chinese, letter case ignored."""
    if not value:
        if default is None:
            raise RowError(_("%(column)s is required.") % {"column": column})
        return default
    word = value.strip().casefold()
    for choice in choices:
        if word == choice.value.casefold():
            return choice.value
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for choice in choices:
                if word == str(choice.label).casefold():
                    return choice.value
    allowed = ", ".join(choices.values)
    raise RowError(
        _("%(column)s: “%(value)s” is not one of %(allowed)s.") % {"column": column, "value": value, "allowed": allowed}
    )


def check_model(instance: models.Model, exclude: Iterable[str] = ()) -> list[str]:
    """The model's own field checks and ``clean()`` of one row, without a query: the foreign keys
    were resolved from the file's keys, uniqueness is checked across the file and the desk."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        messages = []
        for name, errors in error.message_dict.items():
            for message in errors:
                messages.append(message if name == "__all__" else f"{name}: {message}")
        return messages
    return []


def changed_fields(instance: models.Model, values: dict[str, Any]) -> list[str]:
    """The names whose value differs; a related row is compared by its id (no query)."""

    def current(name: str, value: Any) -> Any:
        if isinstance(value, models.Model):
            return getattr(instance, instance._meta.get_field(name).attname), value.pk
        return getattr(instance, name), value

    return [name for name, value in values.items() if (pair := current(name, value))[0] != pair[1]]
