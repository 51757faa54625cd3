# Issue 23 (time entries): billable labour remembers the time entry it comes from.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("maintenance", "0002_return_visit_schedules_inspection_sign_off"),
        ("tickets", "0017_time_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="billableitem",
            name="time_entry",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                help_text="The billable time entry this labour comes from; deleting the entry withdraws the item.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.timeentry",
                verbose_name="time entry",
            ),
        ),
    ]
