"""Generation pages: look one up from an agent's page, read what was kept, export it.

Thin function views: the lookup goes through audit.generation (the only code that asks
HighLevel), reads are plain queries. A failed lookup is a form error in words, never a 500.
"""
import json

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from agents.models import Agent
from audit import generation as generation_service
from audit.models import Generation
from backoffice.permissions import permission_required

KEPT_PER_AGENT_SHOWN = 100
_SHOWN_KEYS = {"prompt", "responseMessage", "history", "faqs", "website", "actionLogs", "intent", "mode", "input", "agentId"}
_LOCATION_SECRETS = ("location__pit", "location__location_token")


class GenerationLookupForm(forms.Form):
    message_id = forms.CharField(label="Message id", max_length=generation_service.MESSAGE_ID_MAX_CHARS, strip=True)
    source = forms.ChoiceField(
        label="The message came from", choices=Generation.Source.choices, initial=Generation.Source.CONVERSATION,
        widget=forms.RadioSelect,
    )


@require_http_methods(["GET", "POST"])
@permission_required("agents.view_agent", "audit.view_generation", post="audit.fetch_generation")
def generation_lookup(request, agent_id):
    """The lookup form and the generations already kept for the agent."""
    agent = _get_agent_or_404(agent_id)
    form = GenerationLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kept = generation_service.fetch_generation(
                agent, message_id=form.cleaned_data["message_id"], source=form.cleaned_data["source"], user=request.user
            )
        except generation_service.GenerationLookupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Generation fetched and kept with the audit trail.")
            return redirect("audit:generation_detail", generation_id=kept.pk)
    kept = (
        Generation.objects.filter(agent=agent)
        .defer("payload")
        .order_by("-fetched_at", "-id")[:KEPT_PER_AGENT_SHOWN]
    )
    context = {"agent": agent, "location": agent.location, "form": form, "kept": kept}
    return render(request, "audit/generation_lookup.html", context, status=200)


@require_GET
@permission_required("audit.view_generation")
def generation_detail(request, generation_id):
    generation = _get_generation_or_404(generation_id)
    context = {"generation": generation, "agent": generation.agent, "shown": readable_generation(generation.payload)}
    return render(request, "audit/generation_detail.html", context)


@require_GET
@permission_required("audit.view_generation")
def generation_export(request, generation_id):
    """The kept generation as a JSON download."""
    generation = _get_generation_or_404(generation_id)
    document = generation_service.export_document(generation)
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False, default=str), content_type="application/json"
    )
    filename = f"generation-{generation.message_id}-{generation.source}.json".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def readable_generation(payload) -> dict:
    """HighLevel's answer arranged for reading; tolerant of missing or oddly shaped parts."""
    payload = payload if isinstance(payload, dict) else {}
    return {
        "input": _text(payload.get("input")),
        "reply": _text(payload.get("responseMessage")),
        "prompt": _text(payload.get("prompt")),
        "intent": _text(payload.get("intent")),
        "mode": _text(payload.get("mode")),
        "history": [_history_entry(entry) for entry in _list(payload.get("history"))],
        "faqs": [_knowledge(item, title_key="title") for item in _list(payload.get("faqs"))],
        "website": [_knowledge(item, title_key="url") for item in _list(payload.get("website"))],
        "action_logs": [_pretty(item) for item in _list(payload.get("actionLogs"))],
        "other": {key: _pretty(value) for key, value in payload.items() if key not in _SHOWN_KEYS},
    }


def _history_entry(entry):
    if isinstance(entry, dict):
        role = str(entry.get("role") or "message")
        content = entry.get("content", entry.get("message", ""))
        return {"role": role, "content": _text(content) if isinstance(content, str) else _pretty(content)}
    return {"role": "message", "content": _text(entry)}


def _knowledge(item, *, title_key):
    if isinstance(item, dict):
        return {"title": _text(item.get(title_key) or item.get("title") or item.get("id")), "content": _text(item.get("content"))}
    return {"title": "", "content": _text(item)}


def _list(value):
    return value if isinstance(value, list) else ([] if value in (None, "") else [value])


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else _pretty(value)


def _pretty(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _get_agent_or_404(agent_id) -> Agent:
    try:
        return Agent.objects.select_related("location").defer("raw").get(pk=agent_id)
    except Agent.DoesNotExist:
        raise Http404("No such agent.") from None


def _get_generation_or_404(generation_id) -> Generation:
    try:
        return Generation.objects.select_related("agent", "location").defer(*_LOCATION_SECRETS, "agent__raw").get(
            pk=generation_id
        )
    except Generation.DoesNotExist:
        raise Http404("No such generation.") from None
