"""The "Request deletion…" admin action on agents: many agents, one reason, one batch.

Like Django's own delete action, it first shows an intermediate page (here asking the required
reason); the soft deletes then go through audit.deletion, exactly as from the agent page.
"""
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from agents.models import Agent
from audit import deletion
from audit.deletion_forms import DeletionRequestForm


@admin.action(description="Request deletion… (switch off, then review)", permissions=["request_deletion"])
def request_deletion_action(modeladmin, request, queryset):
    agents = list(queryset.select_related("location").order_by("location__name", "name"))
    active = [agent for agent in agents if agent.state == Agent.State.ACTIVE]
    form = DeletionRequestForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid() and active:
        _request(modeladmin, request, active, form.cleaned_data["reason"])
        return None  # back to the changelist
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Request deletion of agents",
        "opts": modeladmin.model._meta,
        "agents": agents,
        "active": active,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "four_eyes": settings.DELETION_FOUR_EYES,
        "retention_hours": settings.DELETION_RETENTION_HOURS,
    }
    return TemplateResponse(request, "audit/deletion_admin_confirm.html", context)


def _request(modeladmin, request, agents, reason):
    review = reverse("audit:deletion_list")
    try:
        made = deletion.request_deletion(agents, reason=reason, user=request.user)
    except deletion.DeletionRequestFailed as failed:
        made = failed.requests
        for agent, why in failed.failures.items():
            modeladmin.message_user(request, f"{agent.name} was not switched off: {why}", messages.ERROR)
    except deletion.DeletionError as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return
    if made:
        modeladmin.message_user(request, format_html(
            "{} agent(s) switched off and waiting for review on <a href=\"{}\">Pending deletions</a>.", len(made), review),
            messages.SUCCESS)
