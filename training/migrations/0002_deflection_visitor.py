"""One "this solved it" per visitor and article: the visitor column and its unique index. Rows
from before keep counting; the earliest of each signed-in person's rows per article takes that
person's key, so a click after the upgrade is recognised as a repeat."""

from django.conf import settings
from django.db import migrations, models


def key_earliest_rows(apps, schema_editor):
    Deflection = apps.get_model("training", "Deflection")
    seen = set()
    for pk, article_id, user_id in (
        Deflection.objects.filter(user__isnull=False).order_by("created_at", "pk").values_list("pk", "article_id", "user_id")
    ):
        if (article_id, user_id) in seen:
            continue
        seen.add((article_id, user_id))
        Deflection.objects.filter(pk=pk).update(visitor=f"user:{user_id}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_historicalproject_sla_policy_project_sla_policy"),
        ("training", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="deflection",
            name="visitor",
            field=models.CharField(blank=True, default="", editable=False, max_length=80, verbose_name="visitor"),
        ),
        migrations.RunPython(key_earliest_rows, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="deflection",
            constraint=models.UniqueConstraint(
                condition=models.Q(("visitor", ""), _negated=True),
                fields=("article", "visitor"),
                name="one_deflection_per_visitor",
            ),
        ),
    ]
