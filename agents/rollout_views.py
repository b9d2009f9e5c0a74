"""Rollout pages: choose targets, read the plan, confirm, watch progress, retry; bulk update.

Thin views over agents.rollout.services (writes) and agents.rollout.selectors (reads). The plan
and progress pages render in full on first load and only their partial when htmx polls them;
the partial carries `hx-trigger="every 1s"` only while the rollout is planning or running, so the
polling stops by itself when it is done.
"""
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents import selectors as page_selectors
from agents.forms import BulkUpdateForm, TemplateRolloutForm
from agents.forms.filters import AgentFilterForm, LocationFilterForm, read_filters
from agents.models import Agent, AgentTemplate, Location, Rollout, RolloutTarget
from agents.rollout import selectors, services
from agents.rollout.planner import OUTCOME_LABELS
from backoffice.ids import parse_id
from backoffice.paging import SubqueryCount
from backoffice.permissions import permission_required

TARGETS_PER_PAGE = 50
ROLLOUTS_PER_PAGE = 50
BULK_AGENTS_PER_PAGE = 50
LOCATION_SECRETS = ("location__pit", "location__location_token")


def _rollout_or_404(rollout_id):
    return get_object_or_404(Rollout.objects.select_related("template", "created_by"), pk=rollout_id)


def _errors_in_words(error: ValidationError) -> str:
    return " ".join(error.messages)


def duration_in_words(seconds) -> str:
    """3.2 → "3 s", 125 → "2 min 5 s", 7300 → "2 h 1 min"; None → ""."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


# --- Starting a rollout ----------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@permission_required("agents.view_agenttemplate", "agents.run_rollout")
def template_rollout(request, template_id):
    """Choose the locations (ticked, matching the search, or all) and the strategy."""
    template = get_object_or_404(AgentTemplate, pk=template_id)
    params = request.POST if request.method == "POST" else request.GET
    filters, refused = read_filters(LocationFilterForm, params)
    search, sync_status = filters["q"], filters["status"]
    form = TemplateRolloutForm(request.POST if request.method == "POST" else None,
                               initial={"q": search, "status": sync_status})
    if request.method == "POST" and form.is_valid():
        locations = _chosen_locations(form.cleaned_data)
        if not locations:
            form.add_error(None, "No location matches: nothing to roll out to.")
        else:
            try:
                rollout = services.create_rollout(
                    template, locations, user=request.user,
                    strategy=form.cleaned_data["strategy"], canary_size=form.cleaned_data["canary_size"] or 0,
                )
            except ValidationError as error:
                form.add_error(None, _errors_in_words(error))
            else:
                return redirect("agents:rollout_plan", rollout.pk)
    matching = page_selectors.location_list(search=search, sync_status=sync_status)
    if refused:
        matching = matching.none()
        messages.error(request, refused)
    page = page_selectors.paginate(matching, params.get("page"), page_selectors.LOCATIONS_PER_PAGE)
    ticked = {str(pk) for pk in request.POST.getlist("locations")}
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "template": template, "form": form, "page": page, "search": search, "sync_status": sync_status,
        "status_choices": Location.SyncStatus.choices, "ticked": ticked, "query": query.urlencode(),
    }
    return render(request, "agents/rollout_start.html", context, status=400 if refused else 200)


def _chosen_locations(data) -> list:
    scope = data["scope"]
    if scope == "selected":
        ids = [location.pk for location in data["locations"]]
        return services.locations_by_ids(ids)
    if scope == "matching":
        ids = page_selectors.location_list(search=data.get("q", ""), sync_status=data.get("status", "")).values_list("pk", flat=True)
        return services.locations_by_ids(ids)
    return list(Location.objects.all())


# --- The plan -----------------------------------------------------------------------------------------

@require_GET
@permission_required("agents.view_rollout")
def rollout_plan(request, rollout_id):
    rollout = _rollout_or_404(rollout_id)
    targets = selectors.rollout_targets(rollout).defer(*LOCATION_SECRETS)
    outcome = request.GET.get("outcome", "")
    if outcome in OUTCOME_LABELS:
        targets = targets.filter(outcome=outcome)
    page = page_selectors.paginate(targets, request.GET.get("page"), TARGETS_PER_PAGE)
    context = {
        "rollout": rollout, "progress": selectors.rollout_progress(rollout), "page": page,
        "outcome": outcome, "outcome_labels": OUTCOME_LABELS.items(), "query": f"outcome={outcome}" if outcome else "",
        "strategy_choices": Rollout.Strategy.choices,
    }
    template = "agents/_rollout_plan.html" if request.htmx and not request.htmx.boosted else "agents/rollout_plan.html"
    return render(request, template, context)


@require_POST
@permission_required("agents.run_rollout")
def rollout_confirm(request, rollout_id):
    rollout = _rollout_or_404(rollout_id)
    try:
        started = services.confirm_rollout(rollout, user=request.user)
    except ValidationError as error:
        messages.error(request, _errors_in_words(error))
        return redirect("agents:rollout_plan", rollout.pk)
    canary = " (the canary)" if rollout.strategy == Rollout.Strategy.CANARY else ""
    messages.success(request, f"Rollout confirmed: {started} location{'s' if started != 1 else ''} started{canary}.")
    return redirect("agents:rollout_detail", rollout.pk)


# --- Progress -----------------------------------------------------------------------------------------

@require_GET
@permission_required("agents.view_rollout")
def rollout_detail(request, rollout_id):
    rollout = _rollout_or_404(rollout_id)
    if rollout.status in (Rollout.Status.PLANNING, Rollout.Status.PLANNED) and not request.htmx:
        return redirect("agents:rollout_plan", rollout.pk)
    targets = selectors.rollout_targets(rollout).defer(*LOCATION_SECRETS)
    status = request.GET.get("status", "")
    if status in RolloutTarget.Status.values:
        targets = targets.filter(status=status)
    page = page_selectors.paginate(targets, request.GET.get("page"), TARGETS_PER_PAGE)
    progress = selectors.rollout_progress(rollout)
    context = {
        "rollout": rollout, "progress": progress, "page": page, "duration": duration_in_words(progress["duration_seconds"]),
        "status": status, "query": f"status={status}" if status else "",
        "target_statuses": RolloutTarget.Status.choices,
    }
    template = "agents/_rollout_progress.html" if request.htmx and not request.htmx.boosted else "agents/rollout_detail.html"
    return render(request, template, context)


def _rollout_action(request, rollout_id, action, done_message):
    rollout = _rollout_or_404(rollout_id)
    try:
        count = action(rollout)
    except ValidationError as error:
        messages.error(request, _errors_in_words(error))
    else:
        messages.success(request, done_message(count))
    return redirect("agents:rollout_detail", rollout.pk)


@require_POST
@permission_required("agents.run_rollout")
def rollout_continue(request, rollout_id):
    return _rollout_action(
        request, rollout_id, lambda rollout: services.continue_rollout(rollout, user=request.user),
        lambda n: f"Continuing: {n} more location{'s' if n != 1 else ''} started.",
    )


@require_POST
@permission_required("agents.run_rollout")
def rollout_cancel(request, rollout_id):
    return _rollout_action(
        request, rollout_id, lambda rollout: services.cancel_rollout(rollout, user=request.user),
        lambda n: f"Rollout cancelled: {n} location{'s' if n != 1 else ''} will not be started.",
    )


@require_POST
@permission_required("agents.run_rollout")
def rollout_retry(request, rollout_id):
    """Retry every failed target, or only the one named by `target`."""
    target = request.POST.get("target", "")
    target_id = parse_id(target)
    target_ids = [target_id] if target_id is not None else None
    if target and target_ids is None:
        messages.error(request, "That is not a target of this rollout.")
        return redirect("agents:rollout_detail", rollout_id)
    return _rollout_action(
        request, rollout_id, lambda rollout: services.retry_targets(rollout, target_ids, user=request.user),
        lambda n: f"{n} failed location{'s' if n != 1 else ''} queued again." if n else "No failed location to retry.",
    )


@require_GET
@permission_required("agents.view_rollout")
def rollout_list(request):
    rollouts = (
        Rollout.objects.select_related("template", "created_by")
        # A subquery for the page's rows, not a Count() grouping every target (backoffice.paging).
        .annotate(target_count=SubqueryCount(RolloutTarget.objects.filter(rollout=OuterRef("pk"))))
        .order_by("-created_at", "-pk")
    )
    kind = request.GET.get("kind", "")
    if kind in Rollout.Kind.values:
        rollouts = rollouts.filter(kind=kind)
    page = page_selectors.paginate(rollouts, request.GET.get("page"), ROLLOUTS_PER_PAGE)
    context = {"page": page, "kind": kind, "kinds": Rollout.Kind.choices, "query": f"kind={kind}" if kind else ""}
    return render(request, "agents/rollout_list.html", context)


# --- Bulk update --------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@permission_required("agents.view_agent", "agents.run_rollout")
def bulk_update(request):
    """Choose agents (filtered by name, location, mode, template), tick fields, give values."""
    params = request.POST if request.method == "POST" else request.GET
    # `agent_mode`, not `mode`: the form's own `mode` field is the new mode to set.
    filters, refused = read_filters(AgentFilterForm, params)
    agents = _bulk_candidates(filters)
    if refused:
        agents = agents.none()
        messages.error(request, refused)
    form = BulkUpdateForm(request.POST if request.method == "POST" else None)
    chosen_ids = {str(pk) for pk in map(parse_id, request.POST.getlist("agents")) if pk is not None}
    agent_error = ""
    if request.method == "POST" and not refused:  # a request with refused input changes nothing
        form_ok = form.is_valid()
        chosen = services.agents_for_bulk_update(chosen_ids) if chosen_ids else []
        if not chosen:
            agent_error = "Tick at least one agent."
        elif form_ok:
            try:
                rollout = services.create_bulk_update(chosen, form.changes(), user=request.user)
            except ValidationError as error:
                form.add_error(None, _errors_in_words(error))
            else:
                return redirect("agents:rollout_plan", rollout.pk)
    page = page_selectors.paginate(agents, params.get("page"), BULK_AGENTS_PER_PAGE)
    context = {
        "form": form, "page": page, "agents": page.object_list, "agent_count": page.paginator.count,
        "filters": filters, "chosen_ids": chosen_ids, "agent_error": agent_error,
        # The filters, for the pagination links (each page is one GET with them).
        "query": urlencode({key: value for key, value in filters.items() if value}),
        "templates": AgentTemplate.objects.only("pk", "name").order_by("name"),
        "modes": ("off", "suggestive", "auto-pilot"),
    }
    return render(request, "agents/bulk_update.html", context, status=400 if refused else 200)


def _bulk_candidates(filters):
    agents = (
        Agent.objects.filter(state=Agent.State.ACTIVE)
        .select_related("location", "template")
        .only("pk", "name", "mode", "channels", "location__name", "template__name")
        .order_by("location__name", "name", "pk")
    )
    if filters["q"].strip():
        agents = agents.filter(name__icontains=filters["q"].strip())
    # A location id (links from a location) or a part of its name: thousands of locations make
    # a poor <select>.
    location = filters["location"].strip()
    location_id, template_id = parse_id(location), parse_id(filters["template"])
    if location_id is not None:
        agents = agents.filter(location_id=location_id)
    elif location:
        agents = agents.filter(location__name__icontains=location)
    if filters["agent_mode"]:
        agents = agents.filter(mode=filters["agent_mode"])
    if template_id is not None:
        agents = agents.filter(template_id=template_id)
    return agents
