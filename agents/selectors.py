"""Reads for the pages: every query the views need, shaped so the count never grows with the rows.

Locations are loaded without their secrets (`pit`, `location_token`): the pages never show them,
decrypting fifty tokens per page would be wasted work, and a secret that is never loaded cannot
leak into a template. Whether credentials are set comes from the `credentials_set` annotation.
"""
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, Count, OuterRef, Q, QuerySet, Value, When

from agents.models import Action, Agent, Location
from audit.models import AuditEvent
from backoffice.paging import SubqueryCount

LOCATIONS_PER_PAGE = 50
AGENTS_PER_PAGE = 50
HISTORY_PER_PAGE = 50

LOCATION_SECRETS = ("pit", "location_token")


def paginate(queryset, page_number, per_page: int) -> Page:
    """One page of `queryset`; a missing, non-numeric or out-of-range page number never fails.

    Paginator.get_page gives page 1 for junk ("abc") and the last page for numbers past the end.
    """
    return Paginator(queryset, per_page).get_page(page_number)


def _locations() -> QuerySet[Location]:
    return Location.objects.defer(*LOCATION_SECRETS).annotate(
        credentials_set=Case(
            When(Q(pit="") & Q(connection__isnull=True), then=Value(False)),
            default=Value(True),
            output_field=BooleanField(),
        ),
        # A subquery, not Count(): computed for the page's rows only (backoffice.paging).
        active_agent_count=SubqueryCount(Agent.objects.filter(location=OuterRef("pk"), state=Agent.State.ACTIVE)),
    )


def location_list(*, search: str = "", sync_status: str = "") -> QuerySet[Location]:
    """Locations by name, with their active agent count; `search` matches name or location id."""
    locations = _locations()
    search = search.strip()
    if search:
        locations = locations.filter(Q(name__icontains=search) | Q(hl_id__icontains=search))
    if sync_status in Location.SyncStatus.values:
        locations = locations.filter(sync_status=sync_status)
    return locations.order_by("name", "pk")


def location_get(location_id: int) -> Location:
    """One location with the same annotations as the list. Raises Location.DoesNotExist."""
    return _locations().get(pk=location_id)


def location_agents(location: Location) -> QuerySet[Agent]:
    """The location's agents with how many active actions each has, and its template."""
    return (
        Agent.objects.filter(location=location)
        .select_related("template")
        # The long texts and the raw payload are not shown in the table.
        .defer("raw", "personality", "goal", "instructions", "followup_settings")
        .annotate(action_count=Count("actions", filter=Q(actions__state=Action.State.ACTIVE)))
        .order_by("name", "pk")
    )


def agent_get(agent_id: int) -> Agent:
    """One agent with its location and template, without the raw payload (loaded on demand)."""
    return (
        Agent.objects.select_related("location", "template")
        .defer("raw", *(f"location__{name}" for name in LOCATION_SECRETS))
        .get(pk=agent_id)
    )


def agent_actions(agent: Agent) -> QuerySet[Action]:
    """The agent's actions, the ones still present remotely first."""
    return Action.objects.filter(agent=agent).defer("raw").order_by("state", "name", "pk")


def agent_raw_payload(agent_id: int) -> dict:
    """Only the raw payload HighLevel last sent for the agent. Raises Agent.DoesNotExist."""
    return Agent.objects.values_list("raw", flat=True).get(pk=agent_id)


def agent_history(agent: Agent) -> QuerySet[AuditEvent]:
    """The agent's audit trail, newest first."""
    return AuditEvent.objects.filter(agent=agent).order_by("-at", "-id")
