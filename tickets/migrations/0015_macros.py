# Placeholder laid for issue 23 (macros); its operations are filled in by that part.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_event_kinds_merge_links_time_macros"),
    ]

    operations = [
        migrations.CreateModel(
            name="Macro",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                ("body_en", models.TextField(blank=True, verbose_name="text in English")),
                ("body_zh_hans", models.TextField(blank=True, verbose_name="text in Chinese")),
                (
                    "scope",
                    models.CharField(
                        choices=[("personal", "Personal"), ("team", "Team"), ("desk", "Whole desk")],
                        default="personal",
                        max_length=10,
                        verbose_name="scope",
                    ),
                ),
                (
                    "public",
                    models.BooleanField(
                        default=True,
                        help_text="Unticked: the text goes as an internal note.",
                        verbose_name="public reply",
                    ),
                ),
                (
                    "set_status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("new", "New"),
                            ("acknowledged", "Acknowledged"),
                            ("in_progress", "In progress"),
                            ("waiting_on_customer", "Waiting on customer"),
                            ("resolved", "Resolved"),
                            ("closed", "Closed"),
                        ],
                        max_length=24,
                        verbose_name="set the status",
                    ),
                ),
                (
                    "set_priority",
                    models.CharField(
                        blank=True,
                        choices=[("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")],
                        max_length=10,
                        verbose_name="set the priority",
                    ),
                ),
                (
                    "assignment",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Leave the assignee"),
                            ("applier", "Assign to whoever applies it"),
                            ("user", "Assign to a named engineer"),
                        ],
                        default="",
                        max_length=10,
                        verbose_name="assignment",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "assignee",
                    models.ForeignKey(
                        blank=True,
                        help_text="Who the ticket is assigned to, when the assignment names an engineer.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assignee",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        help_text="A personal macro's owner: only they see and use it.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="macros",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="A team macro's team: its members use it.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="macros",
                        to="accounts.team",
                        verbose_name="team",
                    ),
                ),
            ],
            options={
                "verbose_name": "macro",
                "verbose_name_plural": "macros",
                "ordering": ["name", "pk"],
                "indexes": [models.Index(fields=["scope", "is_active"], name="macro_scope_active")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("body_en", ""), ("body_zh_hans", ""), _negated=True),
                        name="macro_has_a_body",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("owner__isnull", False), ("scope", "personal"), ("team__isnull", True)),
                            models.Q(("owner__isnull", True), ("scope", "team"), ("team__isnull", False)),
                            models.Q(("owner__isnull", True), ("scope", "desk"), ("team__isnull", True)),
                            _connector="OR",
                        ),
                        name="macro_scope_fits",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("assignment", "user"), _negated=True),
                            ("assignee__isnull", False),
                            _connector="OR",
                        ),
                        name="macro_assignee_named",
                    ),
                ],
            },
        ),
    ]
