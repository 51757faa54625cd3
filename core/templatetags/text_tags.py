"""``{{ ticket.title|one_line }}``: a title stored with line breaks, shown on one line."""

from django import template

from core.text import one_line as fold

register = template.Library()


@register.filter
def one_line(value: object) -> str:
    return fold(value)
