"""Several items per django-q2 task, run side by side in threads (rollout targets, location syncs).

One item's work is a dozen HTTP calls that mostly wait on HighLevel. One task per item made the
queue itself the bottleneck: enqueueing, handing out and recording a task cost a few database
commits each, in single processes (the cluster's pusher and monitor). A task now carries up to
`size` items, which TASK_THREADS threads take one after another, so a cluster of W workers has
W x TASK_THREADS items in flight for a fraction of the queue's work. A task holds more items than
threads so that a thread done early takes the next item instead of waiting for the slowest.
Each item is still claimed, leased, retried and reaped on its own: a task cut off by a killed
worker leaves each of its items to the reaper, exactly as before.

The threads are kept for the life of the worker process, each with its own database connection
(kept like a web server's, by CONN_MAX_AGE), so an item does not pay for a new connection.
"""
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections
from django_q.conf import Conf
from django_q.tasks import async_task

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_owner = (0, 0)  # (pid, threads): a forked child gets its own pool
_pool_lock = threading.Lock()
_thread_state = threading.local()
CONNECTION_CHECK_EVERY_S = 30.0


def chunks(ids: list, size: int) -> list:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def enqueue(func: str, ids: list, *, size: int, label: str, group: str) -> None:
    for chunk in chunks(list(ids), max(1, size)):
        async_task(func, chunk, task_name=f"{label} {chunk[0]}" + (f"–{chunk[-1]}" if len(chunk) > 1 else ""),
                   group=group)


def run_side_by_side(work, ids: list) -> list:
    """work(id) for each id, in this process's threads; one item's crash never stops the others."""
    if len(ids) == 1 or Conf.SYNC:
        return [work(item) for item in ids]  # inline (tests): the caller's transaction

    def one(item):
        _check_connections()
        try:
            return work(item)
        except Exception as exc:  # a lost connection, say: the item is left to its reaper
            logger.exception("%s %s failed", getattr(work, "__name__", "work"), item)
            _check_connections(now=True)
            return f"crashed: {type(exc).__name__}; the reaper will pick it up"

    return list(_threads(threads_per_task()).map(one, ids))


def _check_connections(*, now=False) -> None:
    """What Django does around each request, here every half minute per thread (or after a crash):
    replace a connection that broke or aged out. Per item it would cost a health check query each."""
    at = time.monotonic()
    if now or at - getattr(_thread_state, "connections_checked_at", 0.0) >= CONNECTION_CHECK_EVERY_S:
        close_old_connections()
        _thread_state.connections_checked_at = at


def threads_per_task() -> int:
    return max(1, int(settings.TASK_THREADS))


def close_threads() -> None:
    """Stop this process's item threads, each closing its database connections first (a test's
    end, where PostgreSQL cannot drop a database that threads still hold open)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
        size = _pool_owner[1]
    if pool is None:
        return
    everyone_here = threading.Barrier(size)  # one close per thread: each waits until all have one

    def close(_):
        try:
            everyone_here.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass
        connections.close_all()

    list(pool.map(close, range(size)))
    pool.shutdown(wait=True)


def _threads(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_owner
    with _pool_lock:
        if _pool is None or _pool_owner != (os.getpid(), size):
            if _pool is not None and _pool_owner[0] == os.getpid():
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="side-by-side")
            _pool_owner = (os.getpid(), size)
        return _pool
