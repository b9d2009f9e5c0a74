"""Reads for the review-before-delete pages. The query count never grows with the rows."""
from itertools import groupby

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from audit.models import AuditEvent, SoftDelete

Status = SoftDelete.Status
# How much of each agent's audit trail the review page shows inline (the agent page has it all).
TRAIL_LIMIT = 25
CLOSED_LIMIT = 50


def _requests():
    return SoftDelete.objects.select_related("agent", "location", "reviewed_by").defer(
        "location__pit", "location__location_token", "agent__raw")


def pending_batches() -> list[dict]:
    """Pending requests grouped by batch (requests made together), oldest batch first,
    each request with the newest part of its agent's audit trail as `trail`."""
    requests = list(_requests().filter(status=Status.PENDING).order_by("requested_at", "batch_id", "pk"))
    trails = agent_trails([r.agent_id for r in requests if r.agent_id])
    for request in requests:
        request.trail = trails.get(request.agent_id, [])
    batches = []
    for batch_id, members in groupby(requests, key=lambda r: r.batch_id):
        members = list(members)
        first = members[0]
        batches.append({"batch_id": batch_id, "requests": members, "requested_by_id": first.requested_by_id,
                        "requested_by_label": first.requested_by_label, "requested_at": first.requested_at,
                        "reason": first.reason})
    return batches


def agent_trails(agent_ids: list[int], limit: int = TRAIL_LIMIT) -> dict[int, list[AuditEvent]]:
    """The newest `limit` audit events of each agent, newest first, in one query."""
    if not agent_ids:
        return {}
    ranked = AuditEvent.objects.filter(agent_id__in=agent_ids).annotate(
        rank=Window(RowNumber(), partition_by=[F("agent_id")], order_by=[F("at").desc(), F("id").desc()]))
    trails: dict[int, list] = {}
    for event in ranked.filter(rank__lte=limit).order_by("agent_id", "-at", "-id"):
        trails.setdefault(event.agent_id, []).append(event)
    return trails


def pending_count(batches: list[dict]) -> int:
    return sum(len(batch["requests"]) for batch in batches)


def awaiting_purge():
    """Approved requests, the next purge first; failed purges (retried by the job) among them."""
    return _requests().filter(status__in=[Status.APPROVED, Status.PURGE_FAILED]).order_by("purge_after", "pk")


def purged():
    """Purged agents, which can still be re-created from their snapshot."""
    return _requests().filter(status=Status.PURGED).order_by("-purged_at", "-pk")


def recently_closed(limit: int = CLOSED_LIMIT):
    return _requests().filter(status__in=[Status.REJECTED, Status.RESTORED_AFTER_PURGE]).order_by("-restored_at", "-pk")[:limit]


def open_request_for_agent(agent_id: int) -> SoftDelete | None:
    """The agent's request that a restore would undo (soft-deleted or purged), if any."""
    return (_requests().filter(agent_id=agent_id, status__in=[*SoftDelete.SOFT_DELETED, Status.PURGED])
            .order_by("-requested_at").first())


def requests_by_ids(ids) -> list[SoftDelete]:
    return list(_requests().filter(pk__in=list(ids)))


def batch_requests(batch_id, status=Status.PENDING) -> list[SoftDelete]:
    return list(_requests().filter(batch_id=batch_id, status=status).order_by("pk"))
