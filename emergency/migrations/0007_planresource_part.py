import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("emergency", "0006_response_clock_from_report"),
        ("parts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="planresource",
            name="part",
            field=models.ForeignKey(
                blank=True,
                help_text="A spare part: activating the plan reserves this many where stock exists.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="plan_resources",
                to="parts.part",
                verbose_name="spare part",
            ),
        ),
    ]
