"""The escalation defaults of the after-sales plan (``tickets.defaults.ESCALATION_DEFAULTS``),
written with the historical models; ``manage.py setup_desk`` writes them again if deleted."""

from django.db import migrations


def create(apps, schema_editor):
    from tickets.defaults import escalation_defaults_ensure

    escalation_defaults_ensure(apps.get_model("tickets", "EscalationPolicy"), apps.get_model("tickets", "EscalationStep"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_escalation")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
