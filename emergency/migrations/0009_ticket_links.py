# Placeholder laid for issue 23 (merge and links); its operations are filled in by that part.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("emergency", "0008_review_action_names"),
        ("tickets", "0016_links_merge"),
    ]

    operations = []
