# Placeholder laid for issue 23 (merge and links); its operations are filled in by that part.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0015_macros"),
    ]

    operations = []
