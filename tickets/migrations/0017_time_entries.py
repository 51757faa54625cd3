# Placeholder laid for issue 23 (time entries); its operations are filled in by that part.
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0016_links_merge"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TimeEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "minutes",
                    models.PositiveIntegerField(
                        help_text="From 1 to 1440 (a whole day).",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(1440),
                        ],
                        verbose_name="minutes",
                    ),
                ),
                ("worked_at", models.DateTimeField(db_index=True, verbose_name="when")),
                ("billable", models.BooleanField(default=False, verbose_name="billable")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="recorded at")),
                (
                    "engineer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="engineer",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="time_entries",
                        to="tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "time entry",
                "verbose_name_plural": "time entries",
                "ordering": ["-worked_at", "-pk"],
                "abstract": False,
                "indexes": [models.Index(fields=["ticket", "-worked_at"], name="time_entry_ticket")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("minutes__gte", 1), ("minutes__lte", 1440)),
                        name="tickets_timeentry_minutes_range",
                    )
                ],
            },
        ),
    ]
