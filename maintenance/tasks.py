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


@shared_task(name="maintenance.tasks.plan_return_visits")
def plan_return_visits() -> int:
    from maintenance.services import return_visits_plan

    return return_visits_plan()


@shared_task(name="maintenance.tasks.follow_up_return_visits")
def follow_up_return_visits() -> int:
    """Remind who makes each coming return visit and flag the overdue ones; how many in all."""
    from maintenance.services import return_visits_follow_up

    return sum(return_visits_follow_up().values())
