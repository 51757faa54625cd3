# Placeholder laid for issue 23 (time entries); its operations are filled in by that part.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0016_links_merge"),
    ]

    operations = []
