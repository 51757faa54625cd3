# Placeholder laid for issue 23 (macros); its operations are filled in by that part.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_event_kinds_merge_links_time_macros"),
    ]

    operations = []
