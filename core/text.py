"""One-line text: a title, an email subject. Every line or paragraph separator (CR, LF, CR LF,
vertical tab, form feed, NEL, the Unicode line and paragraph separators, and the file, group
and record separators that ``str.splitlines`` also breaks on) is one thing: a line break.

``validate_one_line`` refuses them where a title is entered (API input, page forms);
``one_line`` folds a value already stored with them into one line where it is shown or
becomes an email subject (``notifications.services.Message.render``), so no header can
carry a line break and no subject can fail on one."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# exactly the characters str.splitlines() breaks on
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_BREAKS = re.compile(f"[{re.escape(LINE_BREAKS)}]")
_FOLD = re.compile(f"[ \\t]*[{re.escape(LINE_BREAKS)}][{re.escape(LINE_BREAKS)} \\t]*")


def has_line_break(value: str) -> bool:
    return bool(_BREAKS.search(value or ""))


def one_line(value: object) -> str:
    """``value`` as one line: each run of line breaks becomes one space, the spaces around it
    one space, the ends trimmed. Text without line breaks comes back unchanged."""
    text = "" if value is None else str(value)
    if not has_line_break(text):
        return text
    return _FOLD.sub(" ", text).strip()


def validate_one_line(value: str) -> None:
    """The validator of a one-line field (a ticket's or an incident's title)."""
    if has_line_break(value):
        raise ValidationError(_("Write the title on one line (no line breaks)."), code="line_break")
