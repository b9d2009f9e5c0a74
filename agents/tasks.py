"""django-q2 entry points. Thin on purpose: load ids, call a service."""
from agents import sync


def sync_location(location_id: int) -> str:
    """Mirror one location; returns the outcome in words (kept in django-q2's task result)."""
    return sync.sync_location_by_id(location_id)


def sync_all_locations() -> int:
    """The periodic job: enqueue a sync of every location. Returns how many were enqueued."""
    return sync.enqueue_sync_all()
