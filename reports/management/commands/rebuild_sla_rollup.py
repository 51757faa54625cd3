"""python manage.py rebuild_sla_rollup: the SLA roll-up again from every ticket (after restoring a
backup into a database without it, or after the desk's TIME_ZONE changed)."""

import time

from django.core.management.base import BaseCommand

from reports.rollup import available, rollup_rebuild


class Command(BaseCommand):
    help = "Rebuild the SLA dashboard's roll-up from the tickets and their clocks (PostgreSQL)."

    def handle(self, **options):
        if not available():
            self.stdout.write("This database keeps no roll-up (SQLite): the dashboard reads the tickets.")
            return
        started = time.monotonic()
        days = rollup_rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"SLA roll-up rebuilt: {days} days of tickets in {time.monotonic() - started:.1f} s.")
        )
