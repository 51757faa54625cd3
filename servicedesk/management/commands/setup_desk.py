"""python manage.py setup_desk: what a desk needs to run, without any demo data.

Creates what is missing (running it again changes nothing): the working-hours calendar
(Monday to Friday 09:00-18:00 in TIME_ZONE, with the public holidays and make-up working days
of DESK_COUNTRY for this year and the next), a 24x7 calendar, the default SLA policy from
SLA_ANSWER_WORKING_HOURS and SLA_URGENT_RESPONSE_HOURS, the default escalation policies, and
the emergency plan's grading matrix and response plans. Run it after ``migrate``; the first
administrator comes from ``createsuperuser --noinput`` (docs/production.md).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.time import desk_today
from emergency.defaults import grading_defaults_ensure
from emergency.models import GradingRule, PlanResource, ResponsePlan
from tickets.defaults import desk_setup


class Command(BaseCommand):
    help = "Create the calendars, SLA and escalation policies and grading matrix a desk needs (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = desk_setup(today=desk_today())
        if grading_defaults_ensure(GradingRule, ResponsePlan, PlanResource):
            created.append("the grading matrix and response plans")
        if options["verbosity"] < 1:
            return
        for what in created:
            self.stdout.write(f"Created {what}.")
        self.stdout.write(self.style.SUCCESS("The desk is set up." if created else "The desk was set up already."))
