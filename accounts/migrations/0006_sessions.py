import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_log")]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "session_key",
                    models.CharField(editable=False, max_length=40, unique=True, verbose_name="session key"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="signed in at"
                    ),
                ),
                (
                    "last_seen_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="last seen at"
                    ),
                ),
                (
                    "address",
                    models.GenericIPAddressField(blank=True, editable=False, null=True, verbose_name="client address"),
                ),
                ("user_agent", models.CharField(blank=True, editable=False, max_length=300, verbose_name="user agent")),
                (
                    "method",
                    models.CharField(
                        choices=[("password", "Password"), ("directory", "Directory"), ("oidc", "OpenID Connect")],
                        default="password",
                        max_length=16,
                        verbose_name="method",
                    ),
                ),
                ("ended_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="ended at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="browser_sessions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "ordering": ["-last_seen_at", "-pk"],
                "indexes": [models.Index(fields=["user", "ended_at"], name="usersession_user_ended")],
            },
        ),
    ]
