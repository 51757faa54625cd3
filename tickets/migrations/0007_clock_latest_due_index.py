from django.db import migrations, models


class Migration(migrations.Migration):
    """The dashboard's breaches list, the latest due first, reads this index instead of sorting
    every breached clock of the period (docs/benchmarks.md, the dashboard with 1,000,000 tickets)."""

    dependencies = [
        ("tickets", "0006_clock_working_seconds"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="slaclock",
            index=models.Index(fields=["-due_at", "-id"], name="sla_latest_due"),
        ),
    ]
