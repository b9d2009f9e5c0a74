"""Two jobs never write one location at once."""
import threading
from datetime import timedelta

import pytest
from django.db import connection

from agents import locks
from agents.models import Location


@pytest.fixture
def location(db):
    return Location.objects.create(hl_id="loc-lock", name="Lock test")


def test_a_second_job_is_refused_while_the_first_holds_the_lease(location):
    with locks.location_write_lock(location.pk, "rollout 1 target 1"):
        with pytest.raises(locks.LocationBusy) as busy:
            with locks.location_write_lock(location.pk, "rollout 2 target 9"):
                pass
        assert "rollout 1 target 1" in str(busy.value)
    with locks.location_write_lock(location.pk, "rollout 2 target 9"):
        pass  # free again once the first job is done


def test_an_expired_lease_of_a_killed_worker_can_be_taken_over(location):
    assert locks.acquire(location.pk, "killed worker", lease=timedelta(seconds=-1))
    assert locks.acquire(location.pk, "new worker")
    location.refresh_from_db()
    assert location.write_lock_owner == "new worker"


def test_the_same_owner_name_cannot_take_the_lease_twice(location):
    assert locks.acquire(location.pk, "rollout 3 target 7")
    assert not locks.acquire(location.pk, "rollout 3 target 7")  # e.g. a task delivered twice


def test_renew_only_extends_a_lease_we_hold(location):
    assert locks.acquire(location.pk, "a")
    assert locks.renew(location.pk, "a")
    assert not locks.renew(location.pk, "b")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_workers_on_postgresql_get_exactly_one_lease():
    if connection.vendor != "postgresql":
        pytest.skip("row-level races are tested on PostgreSQL")
    location = Location.objects.create(hl_id="loc-race", name="Race")
    winners, barrier = [], threading.Barrier(8)

    def contend(n):
        barrier.wait()
        if locks.acquire(location.pk, f"worker {n}"):
            winners.append(n)
        connection.close()

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
