"""Small builders for the audit trail tests: a location, an agent, a template, a rollout, events."""
import datetime

from django.db import connection
from django.utils import timezone

from agents.models import Agent, AgentTemplate, Location, Rollout
from audit.models import AuditEvent


def make_location(name="Bright Smiles Dental", hl_id=None, **fields):
    return Location.objects.create(name=name, hl_id=hl_id or f"loc-{name.lower().replace(' ', '-')}", **fields)


def make_agent(location, name="Reception", hl_id=None, **fields):
    return Agent.objects.create(location=location, name=name, hl_id=hl_id or f"agent-{name.lower()}-{location.pk}", **fields)


def make_template(name="Front desk"):
    return AgentTemplate.objects.create(name=name, agent_name=name, personality="Kind", goal="Book", instructions="Be brief")


def make_rollout(template=None):
    return Rollout.objects.create(template=template)


def make_event(verb=AuditEvent.Verb.UPDATED, *, at=None, **fields):
    fields.setdefault("actor_label", "sync")
    fields.setdefault("object_type", "agent")
    event = AuditEvent.objects.create(verb=verb, **fields)
    if at is not None:
        set_event_time(event, at)
        event.at = at
    return event


def set_event_time(event, at: datetime.datetime):
    """Back-date an event for date filters. Tests only: events are append-only, so raw SQL."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET at = %s WHERE id = %s", [at, event.pk])


def day(year, month, date, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, date, hour))
