"""Maintenance sweeps from beat. Each is idempotent: a row records what was done, so a task
that runs twice (or on two workers) creates each visit, reminder and invitation once."""

from celery import shared_task


@shared_task(name="maintenance.tasks.plan_inspections")
def plan_inspections() -> int:
    from maintenance.services import inspections_plan

    return inspections_plan()


@shared_task(name="maintenance.tasks.flag_overdue_inspections")
def flag_overdue_inspections() -> int:
    from maintenance.services import inspections_flag_overdue

    return inspections_flag_overdue()


@shared_task(name="maintenance.tasks.remind_expiring_warranties")
def remind_expiring_warranties() -> int:
    from maintenance.services import warranties_remind_expiring

    return warranties_remind_expiring()


@shared_task(name="maintenance.tasks.send_surveys")
def send_surveys() -> int:
    from maintenance.services import surveys_send

    return surveys_send()
