"""The manager's pages: locations, one location, one agent.

Plain function views: read through agents.selectors, write through services (agents.sync).
As in django-htmx's example app, a page renders in full on first load and only its partial
(the template whose name starts with an underscore) when htmx asks for it.
"""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from agents import selectors, sync
from agents.highlevel.schema import AGENT_WRITE_ONLY_FIELDS
from agents.forms.filters import LocationFilterForm, read_filters
from agents.models import Agent, Location
from agents.models.mirror import AGENT_API_FIELDS
from backoffice.ids import parse_id
from backoffice.permissions import permission_required


def _get_location_or_404(location_id):
    try:
        return selectors.location_get(location_id)
    except Location.DoesNotExist:
        raise Http404("No such location.") from None


def _get_agent_or_404(agent_id):
    try:
        return selectors.agent_get(agent_id)
    except Agent.DoesNotExist:
        raise Http404("No such agent.") from None


@require_GET
@permission_required("agents.view_location")
def location_list(request):
    filters, refused = read_filters(LocationFilterForm, request.GET)
    search, sync_status = filters["q"], filters["status"]
    locations = selectors.location_list(search=search, sync_status=sync_status)
    if refused:
        locations = locations.none()
        messages.error(request, refused)
    page = selectors.paginate(locations, request.GET.get("page"), selectors.LOCATIONS_PER_PAGE)

    # The query string without `page`, for the pagination links.
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "search": search,
        "sync_status": sync_status,
        "status_choices": Location.SyncStatus.choices,
        "query": query.urlencode(),
    }
    template = "agents/location_list.html"
    if request.htmx and not request.htmx.boosted:
        template = "agents/_location_table.html"
    return render(request, template, context, status=400 if refused else 200)


@require_POST
@permission_required("agents.sync_location")
def location_sync(request, location_id):
    """'Sync now' for one location. htmx gets the refreshed status partial back."""
    location = _get_location_or_404(location_id)
    queued = sync.enqueue_sync([location.pk], user=request.user)
    if request.htmx:
        return _render_sync_fragment(request, location_id)
    if queued:
        messages.success(request, f"Sync of {location.name} queued.")
    else:
        messages.info(request, f"{location.name} was not queued (no credentials, or a sync is already under way).")
    return redirect(_safe_next(request, reverse("agents:location_detail", args=[location.pk])))


@require_GET
@permission_required("agents.view_location")
def location_sync_status(request, location_id):
    """The status partial, polled by itself every second while the sync is in progress."""
    return _render_sync_fragment(request, location_id)


def _render_sync_fragment(request, location_id):
    # Reload after enqueueing: the sync service changed the status in the database.
    location = _get_location_or_404(location_id)
    # The list shows the status as a table row (status, last sync and agent count change
    # together); the location page shows it as a panel.
    if request.GET.get("fragment") == "row":
        return render(request, "agents/_location_row.html", {"location": location})
    return render(request, "agents/_sync_status.html", {"location": location})


@require_POST
@permission_required("agents.sync_location")
def location_sync_many(request):
    """'Sync selected' / 'Sync all shown' from the list; a plain form post, then back to the list."""
    field = "shown" if request.POST.get("scope") == "shown" else "selected"
    location_ids = [pk for pk in map(parse_id, request.POST.getlist(field)) if pk is not None]
    back = _safe_next(request, reverse("agents:location_list"))
    if not location_ids:
        messages.warning(request, "No locations were selected.")
        return redirect(back)
    queued = sync.enqueue_sync(location_ids, user=request.user)
    skipped = len(location_ids) - queued
    text = f"{queued} location{'s' if queued != 1 else ''} queued for sync."
    if skipped:
        text += f" {skipped} skipped (no credentials, or a sync already under way)."
    messages.success(request, text)
    return redirect(back)


def _safe_next(request, default):
    """The page to go back to: a path on this site. Only paths: redirect() reads "0" or "a:b" (which
    url_has_allowed_host_and_scheme lets through as relative) as a view name, and fails to find it."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if (next_url and next_url.startswith("/")
            and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())):
        return next_url
    return default


@require_GET
@permission_required("agents.view_location")
def location_detail(request, location_id):
    location = _get_location_or_404(location_id)
    agents = selectors.location_agents(location)
    page = selectors.paginate(agents, request.GET.get("page"), selectors.AGENTS_PER_PAGE)
    return render(request, "agents/location_detail.html", {"location": location, "page": page})


@require_GET
@permission_required("agents.view_agent")
def agent_detail(request, agent_id):
    agent = _get_agent_or_404(agent_id)
    history = selectors.paginate(selectors.agent_history(agent), request.GET.get("page"), selectors.HISTORY_PER_PAGE)
    context = {
        "agent": agent,
        "location": agent.location,
        "fields": _labelled_agent_fields(agent),
        "actions": selectors.agent_actions(agent),
        "history": history,
    }
    return render(request, "agents/agent_detail.html", context)


@require_GET
@permission_required("agents.view_agent")
def agent_raw_payload(request, agent_id):
    try:
        raw = selectors.agent_raw_payload(agent_id)
    except Agent.DoesNotExist:
        raise Http404("No such agent.") from None
    context = {"raw": raw, "agent_id": agent_id}
    if request.htmx:
        return render(request, "agents/_agent_raw.html", context)
    context["agent"] = _get_agent_or_404(agent_id)
    return render(request, "agents/agent_raw.html", context)


def _labelled_agent_fields(agent):
    """Every mirrored field, labelled with the model's verbose name and HighLevel's own name."""
    fields = []
    for api_name, field_name in AGENT_API_FIELDS.items():
        model_field = Agent._meta.get_field(field_name)
        label = str(model_field.verbose_name)
        fields.append({"label": label[:1].upper() + label[1:], "api_name": api_name, "value": getattr(agent, field_name),
                       "write_only": api_name in AGENT_WRITE_ONLY_FIELDS})
    return fields
