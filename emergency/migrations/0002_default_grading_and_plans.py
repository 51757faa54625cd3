"""The default grading matrix and one response plan per grade (``emergency.defaults``)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from emergency.defaults import grading_defaults_ensure

    grading_defaults_ensure(
        apps.get_model("emergency", "GradingRule"),
        apps.get_model("emergency", "ResponsePlan"),
        apps.get_model("emergency", "PlanResource"),
    )


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
