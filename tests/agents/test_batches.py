"""Several items per django-q2 task: how ids are cut into tasks, and how a task's items run on threads."""
import logging
import threading
import time

import pytest
from django_q.conf import Conf

from agents import batches


# --- Cutting ids into tasks --------------------------------------------------------------------

def test_chunks_cuts_ids_into_groups_of_size_with_a_shorter_last_one():
    assert batches.chunks([1, 2, 3, 4, 5, 6, 7], 3) == [[1, 2, 3], [4, 5, 6], [7]]
    assert batches.chunks([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
    assert batches.chunks([], 3) == []


def test_enqueue_makes_one_task_per_group_of_ids_named_after_its_first_and_last(enqueued):
    batches.enqueue("agents.tasks.sync_locations", [11, 12, 13, 14, 15, 16, 17], size=3,
                    label="sync locations", group="sync")

    assert enqueued == [
        ("agents.tasks.sync_locations", [11, 12, 13], "sync locations 11–13", "sync"),
        ("agents.tasks.sync_locations", [14, 15, 16], "sync locations 14–16", "sync"),
        ("agents.tasks.sync_locations", [17], "sync locations 17", "sync"),
    ]


def test_enqueue_takes_any_iterable_and_a_size_below_one_means_one_per_task(enqueued):
    batches.enqueue("agents.tasks.apply_targets", (i for i in (5, 6)), size=0, label="apply targets", group="rollout")

    assert [(ids, name) for _, ids, name, _ in enqueued] == [([5], "apply targets 5"), ([6], "apply targets 6")]


def test_enqueue_of_no_ids_queues_nothing(enqueued):
    batches.enqueue("agents.tasks.plan_targets", [], size=8, label="plan targets", group="rollout-1")
    assert enqueued == []


# --- Running a task's items --------------------------------------------------------------------

def test_in_inline_mode_items_run_in_the_callers_thread_and_a_crash_is_raised(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)
    seen = []

    def double(item):
        seen.append(threading.current_thread())
        return item * 2

    assert batches.run_side_by_side(double, [1, 2, 3]) == [2, 4, 6]
    assert set(seen) == {threading.current_thread()}

    def crash(item):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):  # inline, the caller sees the failure as it is
        batches.run_side_by_side(crash, [1, 2])


def test_a_single_item_runs_in_the_callers_thread_even_on_a_worker(on_worker_threads):
    assert batches.run_side_by_side(lambda item: threading.current_thread(), [7]) == [threading.current_thread()]


def test_results_come_back_in_the_order_of_the_ids(on_worker_threads):
    def work(item):
        time.sleep(0.01 * item)  # the first items finish last
        return f"done {item}"

    assert batches.run_side_by_side(work, [5, 4, 3, 2, 1]) == ["done 5", "done 4", "done 3", "done 2", "done 1"]


def test_items_run_side_by_side_on_at_most_task_threads_threads(on_worker_threads):
    lock = threading.Lock()
    running, peak, threads = [0], [0], set()

    def work(item):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            threads.add(threading.get_ident())
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return item

    assert batches.run_side_by_side(work, [1, 2, 3, 4, 5]) == [1, 2, 3, 4, 5]
    assert peak[0] == 2
    assert len(threads) == 2 and threading.get_ident() not in threads


def test_one_item_crashing_gives_its_reason_and_the_others_still_run(on_worker_threads, caplog):
    caplog.set_level(logging.ERROR, logger="agents.batches")

    def sync_one(item):
        if item == 2:
            raise ConnectionError("server closed the connection unexpectedly")
        return f"ok {item}"

    results = batches.run_side_by_side(sync_one, [1, 2, 3])

    assert results == ["ok 1", "crashed: ConnectionError; the reaper will pick it up", "ok 3"]
    assert "sync_one 2 failed" in caplog.text


def test_the_threads_are_kept_for_the_next_task_in_the_process(on_worker_threads):
    def work(item):
        time.sleep(0.02)
        return threading.get_ident()

    first = set(batches.run_side_by_side(work, [1, 2, 3, 4]))
    second = set(batches.run_side_by_side(work, [5, 6, 7, 8]))

    assert len(first) == 2
    assert second <= first


def test_a_new_number_of_task_threads_takes_effect_on_the_next_task(on_worker_threads, settings):
    lock = threading.Lock()
    running, peak = [0], [0]

    def work(item):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    batches.run_side_by_side(work, [1, 2, 3])
    assert peak[0] == 2
    settings.TASK_THREADS = 3
    peak[0] = 0
    batches.run_side_by_side(work, [1, 2, 3])
    assert peak[0] == 3


@pytest.mark.django_db(transaction=True)
def test_close_threads_closes_each_threads_database_connection(monkeypatch, settings):
    from django.db import connections

    monkeypatch.setattr(batches.Conf, "SYNC", False)
    settings.TASK_THREADS = 2
    opened = []

    def touch_database(item):
        from agents.models import Location

        Location.objects.exists()
        opened.append(connections["default"])  # this thread's own connection
        return item

    batches.run_side_by_side(touch_database, [1, 2, 3, 4])
    assert any(c.connection is not None for c in opened)
    batches.close_threads()
    assert all(c.connection is None for c in opened)  # nothing holds the database open any more
