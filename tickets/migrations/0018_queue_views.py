# Placeholder laid for issue 23 (saved queue views); its operations are filled in by that part.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_time_entries"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                ("filters", models.JSONField(blank=True, default=dict, verbose_name="filters")),
                ("columns", models.JSONField(blank=True, default=list, verbose_name="columns")),
                ("sort", models.CharField(default="due", max_length=20, verbose_name="sort")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="queue_views",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: only the owner sees the view.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="queue_views",
                        to="accounts.team",
                        verbose_name="shared with team",
                    ),
                ),
            ],
            options={
                "verbose_name": "queue view",
                "verbose_name_plural": "queue views",
                "ordering": ["position", "name", "pk"],
                "constraints": [models.UniqueConstraint(fields=("owner", "name"), name="queue_view_owner_name")],
            },
        ),
    ]
