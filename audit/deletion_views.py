"""Review before delete: ask for a deletion, review it with the agent's trail, approve, reject, restore.

Plain function views: reads through audit.deletion_selectors, writes through audit.deletion.
Every write is a POST that ends in a redirect with a message saying what happened, or why not.
"""
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents import selectors as agent_selectors
from agents.models import Agent
from audit import deletion
from audit import deletion_selectors as selectors
from audit.deletion_forms import DeletionRequestForm
from audit.models import SoftDelete
from backoffice.permissions import permission_required


def review_settings() -> dict:
    return {"four_eyes": settings.DELETION_FOUR_EYES, "retention_hours": settings.DELETION_RETENTION_HOURS}


@require_GET
@permission_required("audit.view_softdelete")
def deletion_list(request):
    page = selectors.pending_page(request.GET.get("page"))
    context = {
        "page": page,
        "batches": page.batches,
        "pending_count": page.paginator.count,
        "awaiting_purge": selectors.awaiting_purge(),
        "awaiting_purge_count": selectors.awaiting_purge_count(),
        "purged": selectors.purged(),
        "purged_count": selectors.purged_count(),
        "closed": selectors.recently_closed(),
        "trail_limit": selectors.TRAIL_LIMIT,
        **review_settings(),
    }
    return render(request, "audit/deletion_list.html", context)


def _get_request_or_404(request_id) -> SoftDelete:
    found = selectors.requests_by_ids([request_id])
    if not found:
        raise Http404("No such deletion request.")
    return found[0]


def _back(request):
    return redirect(reverse("audit:deletion_list"))


def _approve(request, requests):
    try:
        approved = deletion.approve(requests, user=request.user)
    except deletion.DeletionError as exc:
        messages.error(request, str(exc))
        return _back(request)
    names = ", ".join(r.agent_name for r in approved)
    messages.success(request, f"Approved the deletion of {names}. The purge is scheduled for "
                              f"{approved[0].purge_after:%Y-%m-%d %H:%M} UTC; until then it can be restored.")
    return _back(request)


def _reject(request, requests):
    try:
        deletion.reject(requests, user=request.user)
    except deletion.DeletionError as exc:
        messages.error(request, str(exc))
        return _back(request)
    messages.success(request, f"Rejected: {', '.join(r.agent_name for r in requests)} restored to the previous mode and settings.")
    return _back(request)


@require_POST
@permission_required("audit.approve_deletion")
def deletion_approve(request, request_id):
    return _approve(request, [_get_request_or_404(request_id)])


@require_POST
@permission_required("audit.approve_deletion")
def deletion_reject(request, request_id):
    return _reject(request, [_get_request_or_404(request_id)])


@require_POST
@permission_required("audit.approve_deletion")
def batch_approve(request, batch_id):
    requests = selectors.batch_requests(batch_id)
    if not requests:
        raise Http404("No pending requests in this batch.")
    return _approve(request, requests)


@require_POST
@permission_required("audit.approve_deletion")
def batch_reject(request, batch_id):
    requests = selectors.batch_requests(batch_id)
    if not requests:
        raise Http404("No pending requests in this batch.")
    return _reject(request, requests)


def _restore(request, soft_delete, back):
    was_purged = soft_delete.status == SoftDelete.Status.PURGED
    try:
        deletion.restore(soft_delete, user=request.user)
    except deletion.DeletionError as exc:
        messages.error(request, f"{soft_delete.agent_name} was not restored: {exc}")
        return redirect(back)
    if was_purged:
        messages.success(request, f"{soft_delete.agent_name} was re-created in HighLevel from its snapshot.")
    else:
        messages.success(request, f"{soft_delete.agent_name} is back in its previous mode and settings.")
    return redirect(back)


@require_POST
@permission_required("audit.approve_deletion")
def deletion_restore(request, request_id):
    return _restore(request, _get_request_or_404(request_id), reverse("audit:deletion_list"))


@require_POST
@permission_required("audit.restore_agent")
def agent_restore(request, agent_id):
    soft_delete = selectors.open_request_for_agent(agent_id)
    if soft_delete is None:
        raise Http404("This agent has no deletion to undo.")
    return _restore(request, soft_delete, reverse("agents:agent_detail", args=[agent_id]))


@require_http_methods(["GET", "POST"])
@permission_required("agents.view_agent", "audit.request_deletion")
def agent_delete(request, agent_id):
    """The "Delete…" page of one agent: what will happen, and the required reason."""
    try:
        agent = agent_selectors.agent_get(agent_id)
    except Agent.DoesNotExist:
        raise Http404("No such agent.") from None
    form = DeletionRequestForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid() and agent.state == Agent.State.ACTIVE:
        try:
            deletion.request_deletion([agent], reason=form.cleaned_data["reason"], user=request.user)
        except deletion.DeletionError as exc:
            error = str(exc)
        else:
            messages.success(request, f"{agent.name} is switched off and waiting for review before it is deleted.")
            return redirect(reverse("agents:agent_detail", args=[agent.pk]))
    context = {"agent": agent, "location": agent.location, "form": form, "error": error, **review_settings()}
    return render(request, "audit/deletion_form.html", context, status=400 if error else 200)
