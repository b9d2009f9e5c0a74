"""django-q2 entry points. Thin on purpose: load ids, call a service."""
from agents import sync


def sync_location(location_id: int) -> str:
    """Mirror one location; returns the outcome in words (kept in django-q2's task result)."""
    return sync.sync_location_by_id(location_id)


def sync_locations(location_ids: list) -> list:
    """Mirror several locations side by side (agents.batches)."""
    from agents.batches import run_side_by_side

    return run_side_by_side(sync.sync_location_by_id, location_ids)


def sync_all_locations() -> int:
    """The periodic job: enqueue a sync of every location. Returns how many were enqueued."""
    return sync.enqueue_sync_all()


def plan_target(target_id: int) -> str:
    """Plan one rollout target from a fresh read of its location (reads only)."""
    from agents.rollout.services import plan_target_by_id

    return plan_target_by_id(target_id)


def plan_targets(target_ids: list) -> list:
    """Plan several targets side by side (agents.batches); then close the planning of their rollouts."""
    from agents.rollout.services import finish_planning_if_done, plan_target_by_id

    def plan(target_id):
        return plan_target_by_id(target_id, close_planning=False)

    return _side_by_side_then(plan, target_ids, finish_planning_if_done)


def apply_targets(target_ids: list) -> list:
    """Apply several targets side by side, each under its own location's write lock; then close
    (or pause) their rollouts once they are done."""
    from agents.rollout.apply import apply_target, finish_rollout_if_done

    def apply(target_id):
        return apply_target(target_id, close_rollout=False)

    return _side_by_side_then(apply, target_ids, finish_rollout_if_done)


def _side_by_side_then(work, target_ids: list, close_rollout) -> list:
    """work(id) for each target on this worker's threads, then close_rollout(id) once per rollout."""
    from agents.batches import run_side_by_side
    from agents.models import RolloutTarget

    results = run_side_by_side(work, target_ids)
    rollout_ids = RolloutTarget.objects.filter(pk__in=target_ids).order_by().values_list("rollout_id", flat=True)
    for rollout_id in sorted(set(rollout_ids)):
        close_rollout(rollout_id)
    return results


def apply_target(target_id: int) -> str:
    """Apply one rollout target under its location's write lock; safe to run twice."""
    from agents.rollout.apply import apply_target as apply

    return apply(target_id)


def reap_rollout_targets() -> int:
    """The periodic safety net: queue again rollout targets left behind by a dead worker."""
    from agents.rollout.waiting import reap_stalled_targets

    return reap_stalled_targets()


def prune_task_results(keep_hours: int = 24) -> int:
    """django-q2 keeps every successful result (see Q_CLUSTER's save_limit): drop the old ones."""
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Success

    deleted, _ = Success.objects.filter(stopped__lt=timezone.now() - timedelta(hours=keep_hours)).delete()
    return deleted
