"""One job at a time writes to a location.

A lease on the Location row, taken and released with conditional UPDATEs: atomic on every
database, and held without keeping a transaction open during slow HTTP calls. The lease expires,
so a worker killed mid-job (SIGKILL) does not block the location forever.
"""
import time
from contextlib import contextmanager
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from agents.models import Location

DEFAULT_LEASE = timedelta(minutes=5)


class LocationBusy(Exception):
    def __init__(self, location_id, owner=""):
        self.location_id, self.owner = location_id, owner
        super().__init__(f"Another job ({owner or 'unknown'}) is writing to this location; try again shortly.")


def acquire(location_id: int, owner: str, lease: timedelta = DEFAULT_LEASE) -> bool:
    now = timezone.now()
    return bool(
        Location.objects.filter(pk=location_id)
        # Not re-entrant, even for the same owner name: a task delivered twice must not run twice.
        .filter(Q(write_lock_owner="") | Q(write_lock_expires_at__lt=now))
        .update(write_lock_owner=owner, write_lock_expires_at=now + lease)
    )


def release(location_id: int, owner: str) -> None:
    Location.objects.filter(pk=location_id, write_lock_owner=owner).update(write_lock_owner="", write_lock_expires_at=None)


def renew(location_id: int, owner: str, lease: timedelta = DEFAULT_LEASE) -> bool:
    """Extend a lease we hold (call between steps of a long job)."""
    return bool(
        Location.objects.filter(pk=location_id, write_lock_owner=owner)
        .update(write_lock_expires_at=timezone.now() + lease)
    )


@contextmanager
def location_write_lock(location_id: int, owner: str, *, wait_seconds: float = 0.0, lease: timedelta = DEFAULT_LEASE):
    """Hold the location's write lease for the block, or raise LocationBusy.

    `owner` names the job (e.g. "rollout 12 target 40") so the page can say who holds it.
    """
    deadline = time.monotonic() + wait_seconds
    while not acquire(location_id, owner, lease):
        if time.monotonic() >= deadline:
            holder = Location.objects.filter(pk=location_id).values_list("write_lock_owner", flat=True).first()
            raise LocationBusy(location_id, holder or "")
        time.sleep(0.2)
    try:
        yield
    finally:
        release(location_id, owner)
