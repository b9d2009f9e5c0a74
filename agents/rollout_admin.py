"""The admin's side of templates and rollouts: two changelist actions and the template's forms.

"Roll out a template…" (locations) and "Bulk update…" (agents) show an intermediate page, then
create the rollout through agents.rollout.services and send the manager to its plan page —
the same plan, confirmation and progress as the pages. The AgentTemplate admin validates with
the editor's forms and saves a new version after the actions inline is saved.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from agents.forms import ActionJSONForm, AdminRolloutForm, AgentTemplateForm, BulkUpdateForm
from agents.forms.fields import BoundedJSONField
from agents.highlevel import schema
from agents.rollout import services
from agents.rollout.versions import save_new_version
from backoffice.permissions import SelectedIdsChecked


def _intermediate_context(modeladmin, request, title, objects, form):
    return {
        **modeladmin.admin_site.each_context(request),
        "title": title, "opts": modeladmin.model._meta, "objects": objects, "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }


@admin.action(description="Roll out a template…", permissions=["run_rollout"])
def roll_out_template_action(modeladmin, request, queryset):
    locations = list(queryset.defer("location_token").order_by("name", "pk"))
    form = AdminRolloutForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            rollout = services.create_rollout(data["template"], locations, user=request.user,
                                              strategy=data["strategy"], canary_size=data["canary_size"] or 0)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            modeladmin.message_user(request, f"Planning {data['template'].name} for {len(locations)} locations.",
                                    messages.SUCCESS)
            return redirect("agents:rollout_plan", rollout.pk)
    context = _intermediate_context(modeladmin, request, "Roll out a template", locations, form)
    context["action_name"] = "roll_out_template_action"
    return TemplateResponse(request, "admin/agents/rollout_choose_template.html", context)


@admin.action(description="Bulk update…", permissions=["run_rollout"])
def bulk_update_action(modeladmin, request, queryset):
    agents = list(queryset.select_related("location").defer("raw", "location__pit", "location__location_token")
                  .order_by("location__name", "name"))
    active = [agent for agent in agents if agent.state == agent.State.ACTIVE]
    form = BulkUpdateForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid() and active:
        try:
            rollout = services.create_bulk_update(active, form.changes(), user=request.user)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            modeladmin.message_user(request, f"Planning a bulk update of {len(active)} agents.", messages.SUCCESS)
            return redirect("agents:rollout_plan", rollout.pk)
    context = _intermediate_context(modeladmin, request, "Bulk update agents", agents, form)
    context.update(active=active, action_name="bulk_update_action")
    return TemplateResponse(request, "admin/agents/bulk_update.html", context)


class AgentTemplateAdminForm(AgentTemplateForm):
    """The editor's form plus the follow-up settings as JSON, checked by the same contract."""

    followup_settings = BoundedJSONField(
        required=False, widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="The followupSettings object, e.g. {\"dynamicChannelSwitching\": true}; empty leaves agents alone.",
    )

    class Meta(AgentTemplateForm.Meta):
        fields = [*AgentTemplateForm.Meta.fields, "followup_settings"]

    def clean_followup_settings(self):
        settings = self.cleaned_data.get("followup_settings")
        if settings in (None, {}, ""):
            return None
        errors = schema.followup_settings_errors(settings)
        if errors:
            raise ValidationError(errors)
        return settings


class ActionTemplateAdminForm(ActionJSONForm):
    class Meta(ActionJSONForm.Meta):
        fields = ["position", "type", "name", "details"]


class VersionedTemplateAdminMixin(SelectedIdsChecked):
    """Every save in the admin freezes a new version once the actions inline is saved too; its
    changelist's actions (delete) run on posted ids that are ids (SelectedIdsChecked)."""

    form = AgentTemplateAdminForm

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        version = save_new_version(form.instance, user=request.user)
        self.message_user(request, f"Saved as version {version.version}.", messages.INFO)

