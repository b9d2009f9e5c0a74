"""Reads of the audit trail: filtered events for the trail page and the exports.

A page of events costs the same few queries however many events it shows: the actor,
location, agent, template and rollout come in the same query (select_related), without
the locations' secrets and the agents' long texts, which the trail never shows.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from backoffice.paging import CappedPaginator

EVENTS_PER_PAGE = 50

_RELATED = ("actor", "location", "agent", "template", "rollout")
# Never needed to show an event, and the location's secrets must never be loaded for a page.
_UNSHOWN = (
    "location__pit",
    "location__location_token",
    "location__variables",
    "agent__raw",
    "agent__personality",
    "agent__goal",
    "agent__instructions",
    "agent__followup_settings",
    "template__personality",
    "template__goal",
    "template__instructions",
    "template__followup_settings",
    "rollout__changes",
    "actor__password",
)


@dataclass(frozen=True)
class TrailFilters:
    """What the trail is narrowed to. Ids (not objects), so exports can rebuild it from a URL."""

    location_id: int | None = None
    agent_id: int | None = None
    template_id: int | None = None
    rollout_id: int | None = None
    actor_id: int | None = None
    verb: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None  # inclusive: the whole day

    @property
    def any(self) -> bool:
        return any(value not in (None, "") for value in self.__dict__.values())


def filtered_events(filters: TrailFilters) -> QuerySet[AuditEvent]:
    """Events matching `filters`, without any related rows (for counting and exporting)."""
    events = AuditEvent.objects.all()
    exact = {
        "location_id": filters.location_id,
        "agent_id": filters.agent_id,
        "template_id": filters.template_id,
        "rollout_id": filters.rollout_id,
        "actor_id": filters.actor_id,
    }
    events = events.filter(**{name: value for name, value in exact.items() if value is not None})
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.date_from:
        events = events.filter(at__gte=_start_of_day(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_start_of_day(filters.date_to + datetime.timedelta(days=1)))
    return events


def event_list(filters: TrailFilters) -> QuerySet[AuditEvent]:
    """Events for the trail page, newest first, with what each is about in the same query."""
    return filtered_events(filters).select_related(*_RELATED).defer(*_UNSHOWN).order_by("-at", "-id")


def event_page(filters: TrailFilters, page_number, per_page: int = EVENTS_PER_PAGE) -> Page:
    """One page of the trail; a junk or out-of-range page number gives the first or last page.

    Counting stops at 10,000 events (backoffice.paging.CappedPaginator): counting a million on
    every view, and offsets deep into them, took seconds; filters reach older events faster.
    The paginator reads a page's ids first, then joins what those events are about: an offset
    over the joined rows made the database join every row it skipped.
    """
    return CappedPaginator(event_list(filters), per_page).get_page(page_number)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the site's time zone, which is how managers read dates."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
