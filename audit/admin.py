"""The audit log in the admin: readable by staff, changeable by nobody (superusers included)."""
from django.contrib import admin

from audit.models import AuditEvent, SoftDelete
from backoffice.paging import CappedCountAdminMixin
from backoffice.permissions import ReadOnlyAdminMixin


class ObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of object events are about, listed without reading a million rows for them."""

    title = "object type"
    parameter_name = "object_type"
    TYPES = ("agent", "action", "location", "template", "rollout", "connection", "generation")

    def lookups(self, request, model_admin):
        return [(kind, kind) for kind in self.TYPES]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, CappedCountAdminMixin, admin.ModelAdmin):
    # Append-only: the admin must not offer what the model refuses anyway (AppendOnlyError).
    list_display = ["at", "actor_label", "verb", "object_type", "object_repr", "location", "http_status"]
    list_select_related = ["location"]
    # No date_hierarchy: its year and month links group every event by date on each view; the
    # "at" filter covers the same ground. Counting stops at 10,000 (backoffice.paging).
    list_filter = ["verb", "at", ObjectTypeFilter]
    search_fields = ["object_repr", "actor_label"]
    # A word inside a million texts has no index to use: the search reads the newest events
    # only (20,000 take some 30 ms; 100,000 took 150 ms a query on PostgreSQL).
    search_window = 20_000
    search_help_text = ("Searches what and who in the newest 20,000 events. The audit trail page "
                        "narrows all of them by location, agent, template, rollout, user, verb and dates.")

    # Append-only: the admin must not offer what the model refuses anyway (AppendOnlyError).
    def get_queryset(self, request):
        return super().get_queryset(request).defer("location__pit", "location__location_token")

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            newest = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            queryset = queryset.filter(pk__gt=newest - self.search_window)
        return queryset, may_have_duplicates


@admin.register(SoftDelete)
class SoftDeleteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Deletion requests, to look at: approving, restoring and purging go through the review
    flow (audit.deletion), which talks to HighLevel and records each step."""

    list_display = ["agent_name", "location", "status", "requested_by_label", "requested_at", "reviewed_by", "purge_after", "purged_at"]
    list_select_related = ["location", "reviewed_by"]
    list_filter = ["status", "requested_at"]
    search_fields = ["agent_name", "remote_agent_id", "requested_by_label", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("location__pit", "location__location_token")
