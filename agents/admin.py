"""Admin for locations, credentials, the mirror, templates and rollouts.

Secrets are write-only for every role (backoffice.secret_admin): a PIT, client secret or refresh
token can be typed in but is never rendered back, not in a form, a read-only view or a list;
pages say only whether one is set.
Changelists annotate their counts and select their foreign keys, so a page of a hundred rows
costs the same few queries as a page of one; counts over big tables are subqueries
(backoffice.paging.SubqueryCount), computed for the rows shown rather than for the whole table.
"""
from django import forms
from django.contrib import admin, messages
from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q
from django.urls import reverse
from django.utils.html import format_html

from agents import importing, sync
from agents.forms import VariablesField
from agents.highlevel.errors import HighLevelError
from audit.deletion_admin import request_deletion_action
from agents.highlevel.schema import ACTION_TYPES, MODES
from backoffice.paging import CappedCountAdminMixin, SubqueryCount
from backoffice.permissions import AdminActionPermissions, ReadOnlyAdminMixin
from backoffice.secret_admin import SecretFieldsForm, WriteOnlySecretsAdmin, secret_input
from agents.rollout_admin import (
    ActionTemplateAdminForm, VersionedTemplateAdminMixin, bulk_update_action, roll_out_template_action,
)
from agents.models import (
    Action,
    ActionTemplate,
    AgencyConnection,
    Agent,
    AgentTemplate,
    AgentTemplateVersion,
    Location,
    RateLimitWindow,
    Rollout,
    RolloutTarget,
)


def fixed_values_filter(field_name: str, values) -> type[admin.SimpleListFilter]:
    """A list filter offering the contract's values (modes, action types): the admin's own
    filter for a field without choices reads them with a DISTINCT over the whole table."""

    class FixedValuesFilter(admin.SimpleListFilter):
        title = field_name
        parameter_name = field_name

        def lookups(self, request, model_admin):
            return [(value, value) for value in values]

        def queryset(self, request, queryset):
            return queryset.filter(**{field_name: self.value()}) if self.value() else queryset

    return FixedValuesFilter


def _secret_is_set(field_name):
    """An annotation: whether the encrypted column holds anything, without decrypting it."""
    return ExpressionWrapper(~Q(**{field_name: ""}), output_field=BooleanField())


class AgencyConnectionForm(SecretFieldsForm):
    secret_fields = ("client_secret", "refresh_token")
    client_secret = secret_input("Client secret")
    remove_client_secret = forms.BooleanField(label="Remove the stored client secret", required=False)
    refresh_token = secret_input("Refresh token")
    remove_refresh_token = forms.BooleanField(label="Remove the stored refresh token", required=False)

    class Meta:
        model = AgencyConnection
        fields = ["name", "company_id", "client_id", "app_id", "client_secret", "refresh_token"]


class LocationForm(SecretFieldsForm):
    secret_fields = ("pit",)
    pit = secret_input("Private integration token")
    remove_pit = forms.BooleanField(label="Remove the stored token", required=False)
    variables = VariablesField()  # an object of names to single values, parsed within limits

    class Meta:
        model = Location
        fields = ["name", "hl_id", "timezone", "pit", "connection", "variables"]


# --- Locations and credentials ---------------------------------------------------------------

@admin.register(AgencyConnection)
class AgencyConnectionAdmin(WriteOnlySecretsAdmin, AdminActionPermissions, admin.ModelAdmin):
    form = AgencyConnectionForm
    list_display = ["name", "company_id", "client_id", "client_secret_state", "refresh_token_state", "refreshed_at", "location_count"]
    search_fields = ["name", "company_id", "client_id"]
    ordering = ["name", "pk"]  # spelled out: the count annotation drops Meta.ordering, and pages need an order
    fields = [
        "name", "company_id", "client_id", "app_id",
        "client_secret", "remove_client_secret", "refresh_token", "remove_refresh_token",
        "access_token_expires_at", "refreshed_at", "created_at",
    ]
    readonly_fields = ["access_token_expires_at", "refreshed_at", "created_at"]
    actions = ["import_locations"]

    @admin.action(description="Import locations from the selected connections", permissions=["import_locations"])
    def import_locations(self, request, queryset):
        for connection in queryset:
            try:
                created, updated = importing.import_locations(connection, user=request.user)
            except HighLevelError as error:
                self.message_user(request, f"{connection}: import failed: {error.user_message}", messages.ERROR)
            else:
                self.message_user(request, f"{connection}: {created} new location(s), {updated} updated.", messages.SUCCESS)

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .defer("client_secret", "refresh_token", "access_token")
            .annotate(
                client_secret_set=_secret_is_set("client_secret"),
                refresh_token_set=_secret_is_set("refresh_token"),
                location_total=Count("locations"),
            )
        )

    @admin.display(description="client secret", ordering="client_secret_set")
    def client_secret_state(self, obj):
        return "set" if obj.client_secret_set else "not set"

    @admin.display(description="refresh token", ordering="refresh_token_set")
    def refresh_token_state(self, obj):
        return "set" if obj.refresh_token_set else "not set"

    @admin.display(description="locations", ordering="location_total")
    def location_count(self, obj):
        return obj.location_total


@admin.register(Location)
class LocationAdmin(WriteOnlySecretsAdmin, CappedCountAdminMixin, AdminActionPermissions, admin.ModelAdmin):
    # The mixin's paginator reads a page's ids first (SQLite counted every location's agents for page 50).
    form = LocationForm
    list_display = ["name", "hl_id", "sync_status", "synced_at", "credentials", "connection", "active_agent_count"]
    list_select_related = ["connection"]
    list_filter = ["sync_status", "connection"]
    search_fields = ["name", "hl_id"]
    fields = [
        "name", "hl_id", "timezone", "pit", "remove_pit", "connection", "variables",
        "sync_status", "sync_error", "sync_started_at", "synced_at", "created_at",
    ]
    readonly_fields = ["sync_status", "sync_error", "sync_started_at", "synced_at", "created_at"]
    actions = ["sync_selected", roll_out_template_action]

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .defer("location_token")
            .annotate(
                pit_set=_secret_is_set("pit"),
                active_agents=SubqueryCount(Agent.objects.filter(location=OuterRef("pk"), state=Agent.State.ACTIVE)),
            )
        )

    @admin.display(description="credentials")
    def credentials(self, obj):
        if obj.pit_set:
            return "PIT set"
        if obj.connection_id:
            return "agency connection"
        return "not set"

    @admin.display(description="active agents", ordering="active_agents")
    def active_agent_count(self, obj):
        agents = reverse("admin:agents_agent_changelist")
        return format_html('<a href="{}?location__id__exact={}">{}</a>', agents, obj.pk, obj.active_agents)

    @admin.action(description="Sync selected locations", permissions=["sync_location"])
    def sync_selected(self, request, queryset):
        location_ids = list(queryset.values_list("pk", flat=True))
        queued = sync.enqueue_sync(location_ids, user=request.user)
        skipped = len(location_ids) - queued
        text = f"{queued} location{'s' if queued != 1 else ''} queued for sync."
        if skipped:
            text += f" {skipped} skipped (no credentials, or a sync already under way)."
        self.message_user(request, text, messages.SUCCESS if queued else messages.WARNING)


@admin.register(RateLimitWindow)
class RateLimitWindowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["key", "used", "limit", "interval_ms", "daily_remaining"]
    search_fields = ["key"]
    ordering = ["key"]


# --- The mirror --------------------------------------------------------------------------------
# What HighLevel last said: changed by sync and rollouts, never by hand (a hand edit would be
# overwritten by the next sync and would not reach HighLevel anyway).

class ActionInline(admin.TabularInline):
    model = Action
    fields = ["name", "type", "hl_id", "state", "details", "synced_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Agent)
class AgentAdmin(CappedCountAdminMixin, AdminActionPermissions, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Tens of thousands of rows: counted to 10,000 (backoffice.paging), ordered and searched by
    # the agent's own indexed columns. A search through the location's columns joined and read
    # every agent on each view; one location's agents are a click on its count in Locations.
    list_display = ["name", "location", "mode", "is_primary", "state", "template", "drifted", "action_count", "synced_at"]
    list_select_related = ["location", "template"]
    list_filter = ["state", fixed_values_filter("mode", MODES), "drifted", "is_primary", "template"]
    ordering = ["name"]
    search_fields = ["^name", "=hl_id"]
    search_help_text = ("The start of the agent's name, or its exact agent id. "
                        "To see one location's agents, click its agent count in Locations.")
    inlines = [ActionInline]
    actions = [request_deletion_action, bulk_update_action]  # soft delete with review (audit.deletion)

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .defer("location__pit", "location__location_token")
            .annotate(active_actions=SubqueryCount(Action.objects.filter(agent=OuterRef("pk"), state=Action.State.ACTIVE)))
        )

    @admin.display(description="actions", ordering="active_actions")
    def action_count(self, obj):
        return obj.active_actions


@admin.register(Action)
class ActionAdmin(CappedCountAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # A quarter of a million rows: as for agents, searched by the action's own columns.
    list_display = ["name", "type", "agent", "location_name", "state", "synced_at"]
    list_select_related = ["agent__location"]
    list_filter = [fixed_values_filter("type", ACTION_TYPES), "state"]
    ordering = ["agent_id", "name"]  # one agent's actions together, by an index (not the agent's ordering's joins)
    search_fields = ["^name", "=hl_id"]
    search_help_text = "The start of the action's name, or its exact action id."

    def get_queryset(self, request):
        return super().get_queryset(request).defer("agent__location__pit", "agent__location__location_token")

    @admin.display(description="location", ordering="agent__location__name")
    def location_name(self, obj):
        return obj.agent.location.name


# --- Templates ---------------------------------------------------------------------------------

class ActionTemplateInline(admin.TabularInline):
    model = ActionTemplate
    form = ActionTemplateAdminForm  # validated by the contract, like the editor's JSON view
    fields = ["position", "type", "name", "details"]
    extra = 0


@admin.register(AgentTemplate)
class AgentTemplateAdmin(VersionedTemplateAdminMixin, admin.ModelAdmin):
    list_display = ["name", "agent_name", "mode", "version", "action_count", "agent_count", "updated_at", "updated_by"]
    list_select_related = ["updated_by"]
    list_filter = ["mode"]
    search_fields = ["name", "agent_name", "description"]
    readonly_fields = ["version", "created_at", "updated_at", "updated_by"]
    inlines = [ActionTemplateInline]

    def get_queryset(self, request):
        # Subqueries: no GROUP BY, so the changelist counts templates without counting agents.
        return (
            super().get_queryset(request)
            .annotate(action_total=SubqueryCount(ActionTemplate.objects.filter(template=OuterRef("pk"))),
                      agent_total=SubqueryCount(Agent.objects.filter(template=OuterRef("pk"))))
        )

    @admin.display(description="actions", ordering="action_total")
    def action_count(self, obj):
        return obj.action_total

    @admin.display(description="agents", ordering="agent_total")
    def agent_count(self, obj):
        return obj.agent_total


@admin.register(AgentTemplateVersion)
class AgentTemplateVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["template", "version", "created_at", "created_by"]
    list_select_related = ["template", "created_by"]
    list_filter = ["template"]
    search_fields = ["template__name"]


# --- Rollouts ----------------------------------------------------------------------------------

class RolloutTargetInline(admin.TabularInline):
    model = RolloutTarget
    fields = ["position", "location", "agent", "status", "steps_done", "attempts", "error", "started_at", "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location", "agent").defer(
            "location__pit", "location__location_token", "agent__raw"
        )


@admin.register(Rollout)
class RolloutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "strategy", "target_count", "succeeded_count", "failed_count", "created_by", "created_at"]
    list_select_related = ["template", "created_by"]
    list_filter = ["status", "kind", "strategy"]
    search_fields = ["template__name"]
    inlines = [RolloutTargetInline]

    def get_queryset(self, request):
        done = [RolloutTarget.Status.SUCCEEDED, RolloutTarget.Status.UNCHANGED]
        targets = RolloutTarget.objects.filter(rollout=OuterRef("pk"))
        return super().get_queryset(request).annotate(
            target_total=SubqueryCount(targets),
            succeeded_total=SubqueryCount(targets.filter(status__in=done)),
            failed_total=SubqueryCount(targets.filter(status=RolloutTarget.Status.FAILED)),
        )

    @admin.display(description="targets", ordering="target_total")
    def target_count(self, obj):
        return obj.target_total

    @admin.display(description="done", ordering="succeeded_total")
    def succeeded_count(self, obj):
        return obj.succeeded_total

    @admin.display(description="failed", ordering="failed_total")
    def failed_count(self, obj):
        return obj.failed_total


@admin.register(RolloutTarget)
class RolloutTargetAdmin(CappedCountAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # A row per location per rollout: thousands each time.
    list_display = ["rollout", "location", "agent", "status", "steps_done", "attempts", "error", "finished_at"]
    list_select_related = ["rollout__template", "location", "agent"]
    list_filter = ["status"]
    search_fields = ["location__name", "location__hl_id", "error"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("location__pit", "location__location_token", "agent__raw")
