"""Where each Celery task runs and what beat sends when: the settings read the intervals from
the environment (servicedesk/settings.py) and take these.

Every task has a route; tests/test_celery.py fails when one is missing. "urgent": deadline
sweeps and the deliveries of urgent notices (breach and escalation notices to the emergency
groups: notifications.services.delivery_enqueue routes them per call), which bulk mail on
"default" never stands in front of.
"""

from celery.schedules import crontab

TASK_ROUTES = {
    "servicedesk.tasks.*": {"queue": "default"},
    "notifications.tasks.*": {"queue": "default"},
    "tickets.tasks.sweep": {"queue": "urgent"},
    "tickets.tasks.deadline": {"queue": "urgent"},
    "tickets.tasks.watchdog": {"queue": "urgent"},
    "tickets.tasks.*": {"queue": "default"},
    "emergency.tasks.*": {"queue": "emergency"},
    "maintenance.tasks.*": {"queue": "default"},
    "parts.tasks.*": {"queue": "default"},
    "training.tasks.*": {"queue": "default"},
    "reports.tasks.*": {"queue": "default"},
    "mail.tasks.*": {"queue": "default"},
    "imports.tasks.*": {"queue": "default"},
    "privacy.tasks.*": {"queue": "default"},
}


def beat_schedule(
    *,
    worker_queues: tuple[str, ...],
    heartbeat_seconds: float,
    sweep_seconds: float,
    watchdog_seconds: float,
    incident_deadline_seconds: float,
    mail_poll_seconds: float,
) -> dict[str, dict]:
    """Beat's schedule: a heartbeat to every queue the workers must consume, the sweeps."""
    return {
        # to every queue: /healthz reports a queue no worker consumes (servicedesk/health.py)
        **{
            f"heartbeat-{queue}": {
                "task": "servicedesk.tasks.heartbeat",
                "schedule": heartbeat_seconds,
                "args": [queue],
                "options": {"queue": queue},
            }
            for queue in worker_queues
        },
        "deliveries": {"task": "notifications.tasks.sweep", "schedule": sweep_seconds},
        "sla-watchdog": {"task": "tickets.tasks.watchdog", "schedule": watchdog_seconds},
        "incident-deadlines": {
            "task": "emergency.tasks.deadlines",
            "schedule": incident_deadline_seconds,
        },
        # maintenance: idempotent sweeps (each visit, reminder and invitation once, by its row),
        # often enough that a beat restarted now and then still runs them
        "inspections-plan": {"task": "maintenance.tasks.plan_inspections", "schedule": 300.0},
        "inspections-overdue": {"task": "maintenance.tasks.flag_overdue_inspections", "schedule": 300.0},
        "warranty-reminders": {"task": "maintenance.tasks.remind_expiring_warranties", "schedule": 300.0},
        "satisfaction-surveys": {"task": "maintenance.tasks.send_surveys", "schedule": 300.0},
        "return-visits-plan": {"task": "maintenance.tasks.plan_return_visits", "schedule": 300.0},
        "return-visits-follow-up": {"task": "maintenance.tasks.follow_up_return_visits", "schedule": 300.0},
        # improvement actions of incident reviews: the owner reminded, the managers told when overdue
        "review-actions": {"task": "emergency.tasks.review_actions", "schedule": 300.0},
        # spare parts: what closed tickets and incidents still hold goes back to stock
        "parts-release-reservations": {"task": "parts.tasks.release_closed_reservations", "schedule": 300.0},
        "training-reminders": {"task": "training.tasks.send_reminders", "schedule": 300.0},
        # quality reviews of the month and quarter that ended: once per organisation and period
        "quality-reviews": {"task": "reports.tasks.generate_quality_reviews", "schedule": 3600.0},
        # the SLA dashboard's roll-up: the days changed since folded in (read live until then)
        "sla-rollup": {"task": "reports.tasks.refresh_sla_rollup", "schedule": 60.0},
        "mail-poll": {"task": "mail.tasks.poll_mailboxes", "schedule": mail_poll_seconds},
        # in December, the coming year's public holidays for each calendar with a country
        "holidays": {"task": "tickets.tasks.renew_holidays", "schedule": 3600.0},
        # personal data: closed tickets' attachments and original emails past their retention, daily
        "privacy-retention": {"task": "privacy.tasks.retention_apply", "schedule": crontab(hour=2, minute=30)},
    }
