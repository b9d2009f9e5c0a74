"""The periodic jobs django-q2 runs, kept in step with settings on every migrate."""
from django.conf import settings
from django_q.models import Schedule

SYNC_ALL = "sync all locations"
PURGE_DELETIONS = "purge approved deletions"
REAP_ROLLOUT_TARGETS = "re-queue rollout targets left behind"
PRUNE_TASK_RESULTS = "prune old task results"


def ensure_schedules() -> None:
    Schedule.objects.update_or_create(
        name=SYNC_ALL,
        defaults={
            "func": "agents.tasks.sync_all_locations",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.SYNC_INTERVAL_MINUTES,
            "repeats": -1,
        },
    )
    Schedule.objects.update_or_create(
        name=PURGE_DELETIONS,
        defaults={
            "func": "audit.tasks.purge_due_deletions",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.DELETION_PURGE_INTERVAL_MINUTES,
            "repeats": -1,
        },
    )
    # Every minute: a rollout cut off by a killed worker finishes within a couple of minutes of a
    # restart (the scheduler's first pass after a start runs it at once, as it is overdue).
    Schedule.objects.update_or_create(
        name=REAP_ROLLOUT_TARGETS,
        defaults={
            "func": "agents.tasks.reap_rollout_targets",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    Schedule.objects.update_or_create(
        name=PRUNE_TASK_RESULTS,
        defaults={"func": "agents.tasks.prune_task_results", "schedule_type": Schedule.HOURLY, "repeats": -1},
    )
