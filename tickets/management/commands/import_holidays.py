"""python manage.py import_holidays CN 2026 --calendar "Business hours" [--language zh_CN]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tickets.calendars import calendar_import_holidays
from tickets.models import BusinessCalendar


class Command(BaseCommand):
    help = "Fill a calendar's public holidays and make-up working days of a year from the holidays package."

    def add_arguments(self, parser):
        parser.add_argument("country", help="ISO 3166 country code, e.g. CN")
        parser.add_argument("year", type=int)
        parser.add_argument("--calendar", required=True, help="the calendar's name")
        parser.add_argument("--language", default=None, help="language of the day names, e.g. zh_CN or en_US")

    def handle(self, country, year, calendar, language, **options):
        try:
            target = BusinessCalendar.objects.get(name=calendar)
        except BusinessCalendar.DoesNotExist as error:
            raise CommandError(f"No calendar named {calendar!r}.") from error
        try:
            count = calendar_import_holidays(calendar=target, country=country.upper(), year=year, language=language)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"{count} days of {country.upper()} {year} written to {target.name}."))
