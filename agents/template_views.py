"""Template editor pages: list, create, edit, actions (structured or JSON), versions, variables.

Every save bumps the template's version through agents.rollout.versions.save_new_version, inside
the same transaction as the change, so a version always matches what was saved.
"""
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Exact
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents.forms import (
    ACTION_FORMS, ACTION_TYPE_LABELS, ActionJSONForm, AgentTemplateForm, FollowupSettingsForm, variables_formset,
)
from agents.forms.placeholders import variables_used
from agents.models import ActionTemplate, Agent, AgentTemplate, Location
from agents.rollout.rendering import stored_variables
from agents.rollout.versions import TEMPLATE_AGENT_FIELDS, compare_versions, save_new_version
from backoffice.ids import parse_id
from backoffice.paging import SubqueryCount
from backoffice.permissions import permission_required

DRIFTED_SHOWN = 50
ROLLOUTS_SHOWN = 10


@require_GET
@permission_required("agents.view_agenttemplate")
def template_list(request):
    # Subqueries, not Count() over joins: tens of thousands of agents joined to every template
    # took half a second (backoffice.paging).
    active = Agent.objects.filter(template=OuterRef("pk"), state=Agent.State.ACTIVE)
    templates = AgentTemplate.objects.annotate(
        action_count=Count("actions", distinct=True),
        agent_count=SubqueryCount(active),
        drifted_count=SubqueryCount(active.filter(drifted=True)),
    ).select_related("updated_by").order_by("name")
    return render(request, "agents/template_list.html", {"templates": templates})


@require_http_methods(["GET", "POST"])
@permission_required("agents.add_agenttemplate")
def template_create(request):
    return _edit_template(request, AgentTemplate())


@require_http_methods(["GET", "POST"])
@permission_required("agents.change_agenttemplate")
def template_edit(request, template_id):
    return _edit_template(request, get_object_or_404(AgentTemplate, pk=template_id))


def _edit_template(request, template):
    creating = template.pk is None
    form = AgentTemplateForm(request.POST or None, instance=template)
    followup_form = FollowupSettingsForm(request.POST or None, settings=template.followup_settings)
    if request.method == "POST" and form.is_valid() & followup_form.is_valid():
        with transaction.atomic():
            template = form.save(commit=False)
            template.followup_settings = followup_form.settings_payload()
            template.updated_by = request.user
            template.save()
            version = save_new_version(template, user=request.user)
        messages.success(request, f"“{template.name}” saved as version {version.version}.")
        return redirect("agents:template_detail", template.pk)
    context = {"form": form, "followup_form": followup_form, "template": template, "creating": creating}
    return render(request, "agents/template_form.html", context)


@require_GET
@permission_required("agents.view_agenttemplate")
def template_detail(request, template_id):
    template = get_object_or_404(AgentTemplate.objects.select_related("updated_by"), pk=template_id)
    actions = list(template.actions.order_by("position", "id"))
    versions = list(template.versions.select_related("created_by").order_by("-version")[:20])
    drifted = (
        Agent.objects.filter(template=template, drifted=True, state=Agent.State.ACTIVE)
        .select_related("location").only("pk", "name", "template_version", "synced_at", "location__name")
        .order_by("location__name", "name")
    )
    rollouts = template.rollouts.select_related("created_by").annotate(target_count=Count("targets"))[:ROLLOUTS_SHOWN]
    used = variables_used({"template": [getattr(template, f) for f in TEMPLATE_AGENT_FIELDS.values()],
                           "actions": [a.details for a in actions] + [a.name for a in actions]})
    context = {
        "template": template,
        "agent_fields": [
            (api, getattr(template, field)) for api, field in TEMPLATE_AGENT_FIELDS.items()
        ],
        "actions": [(action, ACTION_TYPE_LABELS.get(action.type, action.type)) for action in actions],
        "action_types": ACTION_TYPE_LABELS.items(),
        "versions": versions,
        "drifted": drifted[:DRIFTED_SHOWN],
        "drifted_count": drifted.count(),
        "rollouts": rollouts,
        "variables_used": used,
        "locations_missing": _locations_missing(used),
        "agent_count": Agent.objects.filter(template=template, state=Agent.State.ACTIVE).count(),
        # HighLevel keeps follow-up settings on advanced follow-up actions: without one they go nowhere.
        "followup_unused": bool(template.followup_settings) and not any(a.type == "advancedFollowup" for a in actions),
    }
    return render(request, "agents/template_detail.html", context)


def _locations_missing(names):
    """How many locations lack a value for any of the template's vars.* (they cannot be planned)."""
    if not names:
        return 0
    missing = Q()
    for name in names:
        # The key as an expression, not spliced into a lookup: `vars.a__contains` is a valid variable
        # name, and "variables__a__contains" would be read as the contains lookup.
        missing |= ~Q(variables__has_key=name) | Exact(KeyTextTransform(name, "variables"), "")
    return Location.objects.filter(missing).count()


# --- Actions -------------------------------------------------------------------------------------

def _template_action(template_id, action_id):
    return get_object_or_404(ActionTemplate.objects.select_related("template"), pk=action_id, template_id=template_id)


@require_http_methods(["GET", "POST"])
@permission_required("agents.change_agenttemplate")
def action_add(request, template_id):
    template = get_object_or_404(AgentTemplate, pk=template_id)
    action_type = request.POST.get("type") or request.GET.get("type", "")
    if action_type not in ACTION_FORMS:
        context = {"template": template, "action_types": ACTION_TYPE_LABELS.items(),
                   "unknown_type": bool(action_type)}
        return render(request, "agents/template_action_type.html", context, status=400 if action_type else 200)
    position = (template.actions.aggregate(last=Max("position"))["last"] or 0) + 1
    action = ActionTemplate(template=template, position=position, type=action_type)
    return _edit_action(request, template, action, ACTION_FORMS[action_type])


@require_http_methods(["GET", "POST"])
@permission_required("agents.change_agenttemplate")
def action_edit(request, template_id, action_id):
    action = _template_action(template_id, action_id)
    form_class = ACTION_FORMS.get(action.type)
    if form_class is None:  # a type only the JSON view can edit
        return redirect("agents:template_action_json", template_id, action_id)
    return _edit_action(request, action.template, action, form_class)


def _edit_action(request, template, action, form_class):
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=action)
    if data is not None and form.is_valid():
        _save_action(request, template, form)
        return redirect("agents:template_detail", template.pk)
    context = {"template": template, "action": action, "form": form,
               "type_label": ACTION_TYPE_LABELS.get(form_class.action_type), "structured": True}
    return render(request, "agents/template_action_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("agents.change_agenttemplate")
def action_edit_json(request, template_id, action_id):
    action = _template_action(template_id, action_id)
    form = ActionJSONForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        _save_action(request, action.template, form)
        return redirect("agents:template_detail", action.template_id)
    context = {"template": action.template, "action": action, "form": form,
               "type_label": ACTION_TYPE_LABELS.get(action.type, action.type), "structured": False}
    return render(request, "agents/template_action_form.html", context)


def _save_action(request, template, form):
    with transaction.atomic():
        action = form.save()
        _touch(template, request.user)
        version = save_new_version(template, user=request.user)
    messages.success(request, f"Action “{action.name}” saved; “{template.name}” is now version {version.version}.")


@require_POST
@permission_required("agents.change_agenttemplate")
def action_delete(request, template_id, action_id):
    action = _template_action(template_id, action_id)
    template = action.template
    with transaction.atomic():
        action.delete()
        _touch(template, request.user)
        version = save_new_version(template, user=request.user)
    messages.success(request, f"Action “{action.name}” removed; “{template.name}” is now version {version.version}.")
    return redirect("agents:template_detail", template.pk)


def _touch(template, user):
    template.updated_by = user
    template.save(update_fields=["updated_by", "updated_at"])


# --- Versions ------------------------------------------------------------------------------------

@require_GET
@permission_required("agents.view_agenttemplate")
def version_compare(request, template_id):
    template = get_object_or_404(AgentTemplate, pk=template_id)
    versions = list(template.versions.select_related("created_by").order_by("-version"))
    numbers = [v.version for v in versions]
    left_number = parse_id(request.GET.get("a"))
    right_number = parse_id(request.GET.get("b"))
    if right_number is None and numbers:
        right_number = numbers[0]
    if left_number is None and len(numbers) > 1:
        left_number = numbers[1]
    by_number = {v.version: v for v in versions}
    if (request.GET.get("a") or request.GET.get("b")) and (left_number not in by_number or right_number not in by_number):
        raise Http404("No such version of this template.")
    left, right = by_number.get(left_number), by_number.get(right_number)
    if left and right and left.version > right.version:
        left, right = right, left  # the older version always on the left
    rows = compare_versions(left, right) if left and right else []
    only_changed = request.GET.get("all") != "1"
    context = {
        "template": template, "versions": versions, "left": left, "right": right,
        "rows": [row for row in rows if row["changed"]] if only_changed else rows,
        "changed_count": sum(1 for row in rows if row["changed"]), "only_changed": only_changed,
    }
    return render(request, "agents/template_versions.html", context)


# --- Location variables --------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@permission_required("agents.view_location", post="agents.change_location")
def location_variables(request, location_id):
    location = get_object_or_404(Location.objects.defer("pit", "location_token"), pk=location_id)
    formset = variables_formset(location, request.POST if request.method == "POST" else None)
    if request.method == "POST" and formset.is_valid():
        location.variables = formset.variables()
        location.save(update_fields=["variables"])
        messages.success(request, f"Variables of {location.name} saved.")
        return redirect("agents:location_variables", location.pk)
    used_by_templates = sorted(_variables_used_by_templates())
    stored, problem = stored_variables(location)
    context = {"location": location, "formset": formset, "variables_problem": problem,
               "missing": [name for name in used_by_templates if stored.get(name) in (None, "")]}
    return render(request, "agents/template_location_variables.html", context)


def _variables_used_by_templates():
    names = set()
    for template in AgentTemplate.objects.prefetch_related("actions"):
        values = [getattr(template, field) for field in TEMPLATE_AGENT_FIELDS.values()]
        values += [[action.name, action.details] for action in template.actions.all()]
        names.update(variables_used(values))
    return names
