# Placeholder laid for issue 23 (merge and links); its operations are filled in by that part.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0015_macros"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="cancelled_at",
            field=models.DateTimeField(
                blank=True,
                help_text="stopped because its ticket was merged into another before the clock was decided: "
                "neither met nor breached, left out of the reports (stopped_at is the same moment)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="The ticket this one continues in: set when it was merged, and it closed.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_tickets",
                to="tickets.ticket",
                verbose_name="merged into",
            ),
        ),
        migrations.CreateModel(
            name="TicketLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("duplicate_of", "Duplicate of"),
                            ("related_to", "Related to"),
                            ("caused_by", "Caused by"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="linked at")),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="linked by",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_out",
                        to="tickets.ticket",
                        verbose_name="ticket",
                    ),
                ),
                (
                    "target",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_in",
                        to="tickets.ticket",
                        verbose_name="linked ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "ticket link",
                "verbose_name_plural": "ticket links",
                "ordering": ["created_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("source", "target"), name="one_link_per_ticket_pair"),
                    models.CheckConstraint(
                        condition=models.Q(("source", models.F("target")), _negated=True), name="no_ticket_self_link"
                    ),
                ],
            },
        ),
    ]
