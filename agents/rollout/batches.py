"""Several targets per django-q2 task, each in its own thread.

A target's work is a dozen HTTP calls that mostly wait on HighLevel. One task per target made
the queue itself the bottleneck: enqueueing, handing out and recording a task cost a few
database commits each, in single processes (the cluster's pusher and monitor). A task now
carries up to ROLLOUT_TARGETS_PER_TASK targets and runs them side by side, so a cluster of W
workers has W x that many targets in flight for a tenth of the queue's work. Each target is
still claimed, leased, retried and reaped on its own: a task cut off by a killed worker leaves
each of its targets to the reaper, exactly as before.
"""
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections
from django_q.conf import Conf
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def per_task() -> int:
    return max(1, int(getattr(settings, "ROLLOUT_TARGETS_PER_TASK", 4)))


def chunks(ids: list, size: int) -> list:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def enqueue(func: str, target_ids: list, *, label: str, group: str) -> None:
    for chunk in chunks(list(target_ids), per_task()):
        async_task(func, chunk, task_name=f"{label} {chunk[0]}" + (f"–{chunk[-1]}" if len(chunk) > 1 else ""),
                   group=group)


def run_side_by_side(work, target_ids: list) -> list:
    """work(target_id) for each id, in threads; each thread's database connection closed after."""
    if len(target_ids) == 1 or Conf.SYNC:
        return [work(target_id) for target_id in target_ids]  # inline (tests): the caller's transaction

    def one(target_id):
        try:
            return work(target_id)
        except Exception as exc:  # one target's crash (a lost connection) must not take the others down
            logger.exception("Rollout target %s: %s failed", target_id, getattr(work, "__name__", "work"))
            return f"crashed: {type(exc).__name__}; the reaper will pick it up"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(target_ids), thread_name_prefix="target") as pool:
        return list(pool.map(one, target_ids))
