"""Fixtures for tests of the django-q2 tasks that carry several items (agents.batches)."""
import pytest
from django_q.conf import Conf

from agents import batches


@pytest.fixture
def enqueued(monkeypatch):
    """Tasks sent to the queue, as (func, ids, task_name, group), in order; none of them runs."""
    calls = []

    def record(func, ids, *, task_name, group):
        calls.append((func, ids, task_name, group))

    monkeypatch.setattr(batches, "async_task", record)
    return calls


@pytest.fixture
def on_worker_threads(monkeypatch, settings):
    """A task's items on this process's threads, as in a worker (not django-q2's inline mode)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    settings.TASK_THREADS = 2
    yield
    batches.close_threads()  # they keep their database connections: close them while the database is there
