"""Targets that wait before their next try, and the reaper that picks up targets left behind.

A queued target's `started_at` is when it may start: the moment it was queued, or, for a
waiting target, the end of its wait. A django-q2 schedule runs it then. The reaper (a django-q2
schedule, every minute) is the safety net:

- a target left "running" by a worker that died (SIGKILL, a machine lost): its write lease
  has expired (or is free), or another job holds it and it has waited past any honest wait;
- a rollout left open when every target is done (killed before it was closed);
- a target still planning long after its rollout was made (its plan task was lost);
- a queued target whose task was lost with its worker (the ORM broker hands it out again only
  after Q_CLUSTER's `retry`; Redis never does): queued longer than a grace period.

Both are queued again. Running a target twice is safe: the claim is a conditional UPDATE and
the run re-reads the location under its lease.
"""
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from agents.models import Location, RolloutTarget

logger = logging.getLogger(__name__)
TargetStatus = RolloutTarget.Status


def _setting(name, default):
    return getattr(settings, name, default)


def lost_answer_wait_seconds() -> float:
    """Longer than the client's timeout plus the worst time a request stays in flight after it."""
    return float(_setting("ROLLOUT_LOST_ANSWER_WAIT_SECONDS", max(60.0, 3 * float(settings.HIGHLEVEL_TIMEOUT))))


def backoff_seconds(attempt: int) -> float:
    base = float(_setting("ROLLOUT_RETRY_AFTER_SECONDS", 30))
    return min(base * 2 ** max(0, attempt - 1), 15 * 60)


def enqueue_apply(target_id: int) -> None:
    async_task("agents.tasks.apply_target", target_id, task_name=f"apply target {target_id}", group="rollout")


def schedule_retry(target_id: int, due) -> None:
    schedule("agents.tasks.apply_target", target_id, name=f"retry rollout target {target_id} ({uuid.uuid4().hex[:8]})",
             schedule_type=Schedule.ONCE, repeats=-1, next_run=due)


def reap_stalled_targets(*, now=None) -> int:
    """Queue again the targets left behind; returns how many. Cheap when there are none."""
    now = now or timezone.now()
    _close_rollouts_left_open()
    replanned = _replan_stalled_planning(now)
    lease_s = float(_setting("ROLLOUT_LEASE_SECONDS", 60))
    stale_running = now - timedelta(seconds=float(_setting("ROLLOUT_LOCK_WAIT_SECONDS", 120)) + lease_s)
    queued_grace = now - timedelta(seconds=float(_setting("ROLLOUT_QUEUED_GRACE_SECONDS", 120)))
    candidates = list(
        RolloutTarget.objects.filter(
            Q(status=TargetStatus.RUNNING, started_at__lt=now - timedelta(seconds=lease_s / 2))
            | Q(status=TargetStatus.QUEUED) & (Q(started_at__lt=queued_grace) | Q(started_at__isnull=True))
        ).values("pk", "rollout_id", "location_id", "status", "started_at")
    )
    if not candidates:
        return replanned
    leases = dict(
        Location.objects.filter(pk__in={c["location_id"] for c in candidates}, write_lock_expires_at__gt=now)
        .values_list("pk", "write_lock_owner")
    )
    requeued = 0
    for target in candidates:
        if target["status"] == TargetStatus.RUNNING:
            holder = leases.get(target["location_id"], "")
            if holder.startswith(f"rollout #{target['rollout_id']}, target {target['pk']} ("):
                continue  # alive: it holds its lease (renewed on every answer)
            if holder and target["started_at"] and target["started_at"] > stale_running:
                continue  # may still be waiting for another job's lease
            # Else the lease is free or expired: a live run would have taken it within a second.
        moved = RolloutTarget.objects.filter(pk=target["pk"], status=target["status"]).filter(
            Q(started_at=target["started_at"]) if target["started_at"] else Q(started_at__isnull=True)
        ).update(status=TargetStatus.QUEUED, started_at=timezone.now())
        if moved:
            logger.info("Rollout target %s was %s and left behind; queued again", target["pk"], target["status"])
            enqueue_apply(target["pk"])
            requeued += 1
    return requeued + replanned


def _close_rollouts_left_open() -> None:
    """A worker killed between its target's last word and closing the rollout leaves it open."""
    from agents.models import Rollout

    from .apply import finish_rollout_if_done
    from .services import finish_planning_if_done

    active = [TargetStatus.PLANNING, TargetStatus.QUEUED, TargetStatus.RUNNING]
    for rollout_id in Rollout.objects.filter(status=Rollout.Status.RUNNING).exclude(
            targets__status__in=active).values_list("pk", flat=True):
        finish_rollout_if_done(rollout_id)
    for rollout_id in Rollout.objects.filter(status=Rollout.Status.PLANNING).exclude(
            targets__status=TargetStatus.PLANNING).values_list("pk", flat=True):
        finish_planning_if_done(rollout_id)


def _replan_stalled_planning(now) -> int:
    """Targets still planning long after their rollout was made: their plan task was lost."""
    from agents.batches import enqueue

    grace = timedelta(seconds=float(_setting("ROLLOUT_QUEUED_GRACE_SECONDS", 120)))
    stalled = list(RolloutTarget.objects.filter(status=TargetStatus.PLANNING, rollout__created_at__lt=now - grace)
                   .values_list("rollout_id", "pk"))
    by_rollout = {}
    for rollout_id, target_id in stalled:
        by_rollout.setdefault(rollout_id, []).append(target_id)
    for rollout_id, ids in by_rollout.items():
        logger.info("Rollout %s: %s targets still planning; planning them again", rollout_id, len(ids))
        enqueue("agents.tasks.plan_targets", ids, size=settings.ROLLOUT_TARGETS_PER_TASK, label="plan targets",
                group=f"rollout-{rollout_id}")
    return len(stalled)
