# Placeholder laid for issue 23 (saved queue views); its operations are filled in by that part.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_time_entries"),
    ]

    operations = []
