"""Reads for the review-before-delete pages. The query count never grows with the rows."""
from itertools import groupby

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from audit.models import AuditEvent, SoftDelete

Status = SoftDelete.Status
# A bulk delete from the admin can ask for thousands at once: the review page shows them a page
# at a time, each with the newest part of its agent's audit trail inline (the agent page has it all).
PENDING_PER_PAGE = 20
TRAIL_LIMIT = 10
CLOSED_LIMIT = 50
AWAITING_LIMIT = 100


def _requests():
    return SoftDelete.objects.select_related("agent", "location", "reviewed_by").defer(
        "location__pit", "location__location_token", "agent__raw")


def pending_page(page_number, per_page: int = PENDING_PER_PAGE) -> Page:
    """One page of the pending requests, oldest first, grouped by batch (requests made together)
    as `page.batches`; each request carries the newest part of its agent's audit trail as `trail`,
    each batch its whole size as `size` (what "Approve all" acts on, across pages)."""
    pending = _requests().filter(status=Status.PENDING).order_by("requested_at", "batch_id", "pk")
    page = Paginator(pending, per_page).get_page(page_number)
    requests = list(page.object_list)
    trails = agent_trails([r.agent_id for r in requests if r.agent_id])
    for request in requests:
        request.trail = trails.get(request.agent_id, [])
    batch_ids = {r.batch_id for r in requests}
    sizes = dict(SoftDelete.objects.filter(status=Status.PENDING, batch_id__in=batch_ids).order_by()
                 .values_list("batch_id").annotate(n=Count("pk"))) if batch_ids else {}
    page.batches = []
    for batch_id, members in groupby(requests, key=lambda r: r.batch_id):
        members = list(members)
        first = members[0]
        page.batches.append({"batch_id": batch_id, "requests": members, "size": sizes.get(batch_id, len(members)),
                             "requested_by_id": first.requested_by_id, "requested_by_label": first.requested_by_label,
                             "requested_at": first.requested_at, "reason": first.reason})
    return page


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


def awaiting_purge(limit: int = AWAITING_LIMIT):
    """Approved requests, the next purge first; failed purges (retried by the job) among them."""
    return _awaiting_purge().order_by("purge_after", "pk")[:limit]


def awaiting_purge_count() -> int:
    return _awaiting_purge().count()


def _awaiting_purge():
    return _requests().filter(status__in=[Status.APPROVED, Status.PURGE_FAILED])


def purged(limit: int = CLOSED_LIMIT):
    """The newest purged agents, which can still be re-created from their snapshot (older ones
    from their agent page)."""
    return _requests().filter(status=Status.PURGED).order_by("-purged_at", "-pk")[:limit]


def purged_count() -> int:
    return SoftDelete.objects.filter(status=Status.PURGED).count()


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
