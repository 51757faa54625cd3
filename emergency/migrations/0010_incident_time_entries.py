# Placeholder laid for issue 23 (time entries); its operations are filled in by that part.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("emergency", "0009_ticket_links"),
        ("tickets", "0017_time_entries"),
    ]

    operations = []
