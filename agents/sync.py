"""Sync: mirror what HighLevel says about a location's agents and actions.

Remote reads happen first (search page by page, get each agent, list its actions); the mirror
is then upserted in one transaction: new rows in bulk, changed rows in bulk with an audit event
per changed agent or action listing each field's before and after, rows gone remotely marked
gone (never dropped). An unchanged agent writes nothing.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agents import batches
from agents.credentials import MissingCredentials, describe_auth_failure
from agents.gateway import location_client
from agents.highlevel.errors import AuthError, HighLevelError
from agents.highlevel.schema import AGENT_WRITE_ONLY_FIELDS
from agents.models import Action, Agent, Location
from agents.models.mirror import AGENT_API_FIELDS
from agents.rollout.drift import refresh_drift
from audit.models import AuditEvent
from audit.services import actor_fields, record, record_many

logger = logging.getLogger(__name__)

SYNC_ACTOR = "sync"
# A sync still "running" after this long was cut off (worker killed): it may be claimed again.
STALE_SYNC_AFTER = timedelta(minutes=15)

Status = Location.SyncStatus


# --- Enqueueing -------------------------------------------------------------------------------

def enqueue_sync(location_ids, *, user=None) -> int:
    """Queue the syncs, a few locations per task (agents.batches).

    Locations without credentials or already syncing are skipped. A sync a user asked for ("Sync
    now", the admin's action) is in the audit log under their name, one event per location queued;
    the schedule's syncs are not (they happen every few minutes and change nothing by themselves).
    """
    queued = list(
        Location.objects.filter(pk__in=list(location_ids))
        .filter(Q(pit__gt="") | Q(connection__isnull=False))
        .exclude(sync_status__in=[Status.QUEUED, Status.RUNNING])
        .values_list("pk", "hl_id", "name")
    )
    if not queued:
        return 0
    ids = [pk for pk, _hl_id, _name in queued]
    Location.objects.filter(pk__in=ids).update(sync_status=Status.QUEUED, sync_error="")
    if user is not None and user.is_authenticated:
        actor = actor_fields(user)
        record_many([
            AuditEvent(verb=AuditEvent.Verb.SYNC_REQUESTED, object_type="location", object_id=hl_id, object_repr=name,
                       location_id=pk, **actor)
            for pk, hl_id, name in queued
        ])
    batches.enqueue("agents.tasks.sync_locations", ids, size=settings.SYNC_LOCATIONS_PER_TASK,
                    label="sync locations", group="sync")
    return len(ids)


def enqueue_sync_all(*, user=None) -> int:
    return enqueue_sync(Location.objects.values_list("pk", flat=True), user=user)


# --- Running -----------------------------------------------------------------------------------

def _claim(location_id: int) -> bool:
    """Mark the location as syncing unless another worker already is (atomic, so never twice)."""
    now = timezone.now()
    return bool(
        Location.objects.filter(pk=location_id)
        .filter(~Q(sync_status=Status.RUNNING) | Q(sync_started_at__lt=now - STALE_SYNC_AFTER))
        .update(sync_status=Status.RUNNING, sync_started_at=now, sync_error="")
    )


def sync_location_by_id(location_id: int) -> str:
    if not _claim(location_id):
        return "skipped: another sync of this location is running"
    location = Location.objects.get(pk=location_id)  # its agency connection is read only to mint a token
    try:
        summary = sync_location(location)
    except Exception as exc:  # record every failure in words; one location never stops the others
        reason = failure_reason(exc, location)
        if not isinstance(exc, (HighLevelError, MissingCredentials)):
            logger.exception("Sync of location %s failed unexpectedly", location.hl_id)
        Location.objects.filter(pk=location.pk).update(sync_status=Status.FAILED, sync_error=reason)
        record(
            AuditEvent.Verb.SYNC_FAILED, actor_label=SYNC_ACTOR, object_type="location",
            object_id=location.hl_id, object_repr=location.name, location=location, message=reason,
        )
        return f"failed: {reason}"
    Location.objects.filter(pk=location.pk).update(sync_status=Status.OK, sync_error="", synced_at=timezone.now())
    return summary


def failure_reason(exc: Exception, location: Location) -> str:
    if isinstance(exc, AuthError):
        return describe_auth_failure(exc, location)
    if isinstance(exc, HighLevelError):
        return exc.user_message
    if isinstance(exc, MissingCredentials):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}); the worker log has the details."


def fetch_remote_agents(client) -> list[dict]:
    """Every agent of the location, each with its full `actions` list (details included)."""
    agents = []
    for listed in client.iter_agents():
        agent = client.get_agent(listed["id"])
        agent["actions"] = client.list_actions(listed["id"])
        agents.append(agent)
    return agents


def sync_location(location: Location) -> str:
    # A search, then a read and an action list per agent: about ten calls for most locations.
    client = location_client(location, reserve=10, record_daily=True)
    remote_agents = fetch_remote_agents(client)
    with transaction.atomic():
        counts = upsert_mirror(location, remote_agents)
    # Drift is worked out from the mirror just committed, outside its transaction: on SQLite that
    # transaction holds the one write lock every worker waits for, and drift is mostly reading
    # and diffing. Should it fail, the sync is recorded as failed (sync_location_by_id) and the
    # flags stay as they were until the next sync.
    refresh_drift(location)
    return (
        f"ok: {len(remote_agents)} agents; {counts['created']} new, {counts['changed']} changed, "
        f"{counts['gone']} gone; {client.requests_sent} requests"
    )


# --- Upserting the mirror --------------------------------------------------------------------

def agent_values(payload: dict) -> dict:
    """Model values from an agent payload, read tolerantly: unknown enum values are kept.

    A write-only field absent from the payload (HighLevel never returns it) is left out, so the
    mirror keeps what the back office last wrote instead of reading it as false."""
    values = {}
    for api_name, field in AGENT_API_FIELDS.items():
        if api_name in AGENT_WRITE_ONLY_FIELDS and api_name not in payload:
            continue
        values[field] = _tolerant(field, payload.get(api_name))
    values["remote_created_at"] = _tolerant("remote_created_at", payload.get("createdAt"))
    values["remote_updated_at"] = _tolerant("remote_updated_at", payload.get("updatedAt"))
    return values


_BOOLEAN_FIELDS = {f.name for f in Agent._meta.fields if f.get_internal_type() == "BooleanField"}
_LIST_FIELDS = {"channels", "knowledge_base_ids"}
_NUMBER_FIELDS = {"wait_time", "sleep_time"}
_TEXT_LIMITS = {f.name: f.max_length for f in Agent._meta.fields if f.get_internal_type() == "CharField"}
_ACTION_NAME_LIMIT = Action._meta.get_field("name").max_length
_ACTION_TYPE_LIMIT = Action._meta.get_field("type").max_length


def _tolerant(field: str, value):
    if field in _BOOLEAN_FIELDS:
        return bool(value)
    if field in _LIST_FIELDS:
        return list(value) if isinstance(value, list) else []
    if field in _NUMBER_FIELDS:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if field == "auto_pilot_max_messages":
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if field == "goal" and isinstance(value, dict):  # search results type the goal as an object
        return str(value.get("prompt") or "")
    text = "" if value is None else str(value)
    # HighLevel may hold a longer text than the mirror's column (a name past 300 characters): the
    # column keeps its start, the raw payload the whole, and the sync goes on.
    return text[:_TEXT_LIMITS[field]] if field in _TEXT_LIMITS else text


def action_values(remote: dict) -> dict:
    """Model values of a mirrored action, from HighLevel's action payload."""
    return {"name": str(remote.get("name") or "")[:_ACTION_NAME_LIMIT],
            "type": str(remote.get("type") or "")[:_ACTION_TYPE_LIMIT],
            "details": remote.get("details") or {}, "raw": remote, "state": Action.State.ACTIVE}


def _diff(obj, values: dict) -> dict:
    return {field: [getattr(obj, field), new] for field, new in values.items() if getattr(obj, field) != new}


def _event(verb, location, agent=None, *, object_type="agent", object_id="", object_repr="", changes=None, message=""):
    return AuditEvent(
        verb=verb, actor_label=SYNC_ACTOR, location=location, agent=agent, object_type=object_type,
        object_id=object_id, object_repr=object_repr[:300], changes=changes or {}, message=message,
    )


def upsert_mirror(location: Location, remote_agents: list[dict]) -> dict:
    now = timezone.now()
    # .order_by(): the model's ordering (by location name) would join the locations table for nothing.
    existing = {a.hl_id: a for a in Agent.objects.filter(location=location).order_by()}
    events, to_create, to_update, update_fields = [], [], [], set()
    counts = {"created": 0, "changed": 0, "gone": 0}
    seen = set()

    for payload in remote_agents:
        hl_id = str(payload["id"])
        seen.add(hl_id)
        values = agent_values(payload)
        agent = existing.get(hl_id)
        if agent is None:
            agent = Agent(location=location, hl_id=hl_id, raw=raw_payload(payload), synced_at=now, **values)
            to_create.append(agent)
            counts["created"] += 1
            continue
        changes = _diff(agent, values)
        raw = raw_payload(payload)
        reappeared = agent.state == Agent.State.GONE
        if changes or raw != agent.raw or reappeared:
            for field, (_, new) in changes.items():
                setattr(agent, field, new)
            agent.raw, agent.synced_at = raw, now
            update_fields |= set(changes) | {"raw", "synced_at"}
            if reappeared:
                agent.state = Agent.State.ACTIVE
                update_fields.add("state")
                events.append(_event(AuditEvent.Verb.REAPPEARED, location, agent, object_id=hl_id, object_repr=agent.name))
            to_update.append(agent)
        # Remote bookkeeping timestamps move on every write; they are not changes a manager reads.
        visible = {k: v for k, v in changes.items() if k not in ("remote_created_at", "remote_updated_at")}
        if visible:
            counts["changed"] += 1
            events.append(_event(AuditEvent.Verb.UPDATED, location, agent, object_id=hl_id, object_repr=agent.name, changes=visible))

    Agent.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Agent.objects.bulk_update(to_update, sorted(update_fields), batch_size=500)
    for agent in to_create:
        events.append(_event(AuditEvent.Verb.CREATED, location, agent, object_id=agent.hl_id, object_repr=agent.name,
                             message="First seen by sync."))

    gone = [a for hl_id, a in existing.items() if hl_id not in seen and a.state == Agent.State.ACTIVE]
    if gone:
        Agent.objects.filter(pk__in=[a.pk for a in gone]).update(state=Agent.State.GONE, synced_at=now)
        counts["gone"] = len(gone)
        events += [
            _event(AuditEvent.Verb.GONE, location, a, object_id=a.hl_id, object_repr=a.name,
                   message="No longer returned by HighLevel; kept in the mirror.")
            for a in gone
        ]

    agents_by_hl_id = {a.hl_id: a for a in list(existing.values()) + to_create}
    events += upsert_actions(location, agents_by_hl_id, remote_agents, now)
    record_many(events)
    return counts


def raw_payload(payload: dict) -> dict:
    """The agent's raw payload as the mirror keeps it. Actions are mirrored as rows of their own
    (kept here too, every action change would look like an agent change); write-only fields are
    not HighLevel's answer but what the back office last wrote, and live in their columns."""
    return {k: v for k, v in payload.items() if k != "actions" and k not in AGENT_WRITE_ONLY_FIELDS}


def upsert_actions(location, agents_by_hl_id: dict, remote_agents: list[dict], now) -> list:
    events, to_create, to_update = [], [], []
    # The location's agents are in hand: their actions by agent id (an index), not a join through
    # the locations table, and each action gets its agent from memory instead of reading it again.
    agents_by_pk = {agent.pk: agent for agent in agents_by_hl_id.values()}
    existing = {}
    for action in Action.objects.filter(agent_id__in=list(agents_by_pk)).order_by("agent_id", "name"):
        action.agent = agents_by_pk[action.agent_id]
        existing[(action.agent_id, action.hl_id)] = action
    seen = set()
    for payload in remote_agents:
        agent = agents_by_hl_id[str(payload["id"])]
        for remote in payload.get("actions") or []:
            key = (agent.pk, str(remote["id"]))
            seen.add(key)
            values = action_values(remote)
            action = existing.get(key)
            if action is None:
                action = Action(agent=agent, hl_id=key[1], synced_at=now, **values)
                to_create.append(action)
                events.append(_event(AuditEvent.Verb.CREATED, location, agent, object_type="action", object_id=key[1],
                                     object_repr=f"{agent.name}: {action.name}", message=f"Action of type {action.type} first seen by sync."))
                continue
            changes = _diff(action, values)
            if changes:
                for field, (_, new) in changes.items():
                    setattr(action, field, new)
                action.synced_at = now
                to_update.append(action)
                visible = {k: v for k, v in changes.items() if k != "raw"}
                if visible:
                    events.append(_event(AuditEvent.Verb.UPDATED, location, agent, object_type="action", object_id=key[1],
                                         object_repr=f"{agent.name}: {action.name}", changes=visible))
    Action.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Action.objects.bulk_update(to_update, ["name", "type", "details", "raw", "state", "synced_at"], batch_size=500)
    gone = [a for key, a in existing.items() if key not in seen and a.state == Action.State.ACTIVE]
    if gone:
        Action.objects.filter(pk__in=[a.pk for a in gone]).update(state=Action.State.GONE, synced_at=now)
        # An agent that is gone takes its actions with it; its own "gone" event says so once.
        remote_agent_ids = {str(payload["id"]) for payload in remote_agents}
        events += [
            _event(AuditEvent.Verb.GONE, location, a.agent, object_type="action", object_id=a.hl_id,
                   object_repr=f"{a.agent.name}: {a.name}", message="No longer returned by HighLevel.")
            for a in gone
            if a.agent.hl_id in remote_agent_ids
        ]
    return events
