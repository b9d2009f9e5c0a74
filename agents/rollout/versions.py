"""Template versions: every saved change freezes the template, so rollouts are reproducible.

A snapshot is plain JSON:
    {"name": "Front desk", "version": 3,
     "agent": {"agent_name": ..., "mode": ..., ...},        # AgentTemplate field names
     "actions": [{"type": ..., "name": ..., "details": {...}}, ...],   # in position order
     "followup_settings": {...} or None}
"""
import json

from django.db import transaction

from agents.models import AgentTemplate, AgentTemplateVersion
from agents.models.mirror import AGENT_API_FIELDS

# HighLevel's name for each agent field a template sets, and the AgentTemplate field holding it.
# isPrimary is left out on purpose: the first agent of a location is primary, and a template
# must not take that away from a client's own agent.
TEMPLATE_AGENT_FIELDS = {
    api: ("agent_name" if field == "name" else field)
    for api, field in AGENT_API_FIELDS.items()
    if api != "isPrimary"
}


def snapshot(template: AgentTemplate) -> dict:
    return {
        "name": template.name,
        "version": template.version,
        "agent": {field: _plain(getattr(template, field)) for field in TEMPLATE_AGENT_FIELDS.values()},
        "actions": [
            {"type": action.type, "name": action.name, "details": _plain(action.details)}
            for action in template.actions.order_by("position", "id")
        ],
        "followup_settings": _plain(template.followup_settings),
    }


def _plain(value):
    # A JSON round trip makes the snapshot compare equal to what the database gives back.
    return json.loads(json.dumps(value))


def _content(snap: dict) -> dict:
    return {key: value for key, value in snap.items() if key != "version"}


def save_new_version(template: AgentTemplate, *, user=None) -> AgentTemplateVersion:
    """Freeze the template as saved now; bumps template.version unless nothing changed.

    Call it after saving the template and its actions. Saving the same content twice keeps one
    version, so an accidental re-save does not make every agent look out of date.
    """
    with transaction.atomic():
        AgentTemplate.objects.select_for_update().filter(pk=template.pk).first()
        latest = template.versions.order_by("-version").first()
        if latest is not None:
            current = snapshot(template)
            if _content(latest.snapshot) == _content(current):
                template.version = latest.version
                return latest
            number = latest.version + 1
        else:
            number = template.version or 1
        AgentTemplate.objects.filter(pk=template.pk).update(version=number)
        template.version = number
        return AgentTemplateVersion.objects.create(
            template=template, version=number, snapshot=snapshot(template), created_by=user
        )


def current_version(template: AgentTemplate, *, user=None) -> AgentTemplateVersion:
    """The frozen copy of the template as it is now (saved first if it never was)."""
    template.refresh_from_db(fields=["version"])
    existing = template.versions.filter(version=template.version).first()
    if existing is not None and _content(existing.snapshot) == _content(snapshot(template)):
        return existing
    return save_new_version(template, user=user)


def compare_versions(a: AgentTemplateVersion, b: AgentTemplateVersion) -> list[dict]:
    """Rows to show two versions side by side: {"section", "label", "before", "after", "changed"}.

    `a` is the older (left) side. Actions are matched by type and name; an action only in one
    version shows None on the other side.
    """
    left, right = a.snapshot, b.snapshot
    rows = []
    for api, field in TEMPLATE_AGENT_FIELDS.items():
        before, after = left["agent"].get(field), right["agent"].get(field)
        rows.append(_row("Agent", api, before, after))
    left_actions = {(x["type"], x["name"]): x for x in left.get("actions", [])}
    right_actions = {(x["type"], x["name"]): x for x in right.get("actions", [])}
    for key in list(left_actions) + [k for k in right_actions if k not in left_actions]:
        before, after = left_actions.get(key), right_actions.get(key)
        rows.append(_row("Actions", f"{key[1]} ({key[0]})",
                         before["details"] if before else None, after["details"] if after else None))
    rows.append(_row("Follow-up settings", "followupSettings",
                     left.get("followup_settings"), right.get("followup_settings")))
    return rows


def _row(section, label, before, after) -> dict:
    return {"section": section, "label": label, "before": before, "after": after, "changed": before != after}
