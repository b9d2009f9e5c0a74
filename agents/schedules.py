"""The periodic jobs django-q2 runs, kept in step with settings on every migrate."""
from django.conf import settings
from django_q.models import Schedule

SYNC_ALL = "sync all locations"
PURGE_DELETIONS = "purge approved deletions"
REAP_ROLLOUT_TARGETS = "re-queue rollout targets left behind"
PRUNE_TASK_RESULTS = "prune old task results"


def every(minutes: int) -> dict:
    return {"schedule_type": Schedule.MINUTES, "minutes": minutes}


def _periodic_jobs() -> dict:
    """Name → how django-q2 runs it. Read at call time, so settings in tests and migrate apply."""
    return {
        SYNC_ALL: {"func": "agents.tasks.sync_all_locations", **every(settings.SYNC_INTERVAL_MINUTES)},
        PURGE_DELETIONS: {"func": "audit.tasks.purge_due_deletions", **every(settings.DELETION_PURGE_INTERVAL_MINUTES)},
        # Every minute: a rollout cut off by a killed worker finishes within a couple of minutes of a
        # restart (the scheduler's first pass after a start runs it at once, as it is overdue).
        REAP_ROLLOUT_TARGETS: {"func": "agents.tasks.reap_rollout_targets", **every(1)},
        PRUNE_TASK_RESULTS: {"func": "agents.tasks.prune_task_results", "schedule_type": Schedule.HOURLY},
    }


def ensure_schedules() -> None:
    for name, job in _periodic_jobs().items():
        Schedule.objects.update_or_create(name=name, defaults={**job, "repeats": -1})
