"""The q cluster's periodic jobs exist after migrate and follow the settings."""
import pytest
from django_q.models import Schedule

from agents.schedules import PURGE_DELETIONS, REAP_ROLLOUT_TARGETS, SYNC_ALL, ensure_schedules

pytestmark = pytest.mark.django_db


def test_migrate_leaves_every_periodic_job_scheduled_for_ever():
    jobs = {s.name: s for s in Schedule.objects.all()}
    assert {SYNC_ALL, PURGE_DELETIONS, REAP_ROLLOUT_TARGETS} <= set(jobs)
    assert jobs[SYNC_ALL].func == "agents.tasks.sync_all_locations"
    assert all(job.repeats == -1 for job in jobs.values())


def test_the_sync_interval_setting_is_applied_without_duplicating_the_job(settings):
    settings.SYNC_INTERVAL_MINUTES = 5
    ensure_schedules()
    ensure_schedules()
    sync_all = Schedule.objects.get(name=SYNC_ALL)
    assert (sync_all.schedule_type, sync_all.minutes) == (Schedule.MINUTES, 5)
