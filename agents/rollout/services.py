"""Rollout writes: create (and plan), confirm, continue, cancel, retry. Pages and the CLI call these.

Life of a rollout: PLANNING (one plan task per target, reads only) → PLANNED (the manager
reads the plan) → confirm → RUNNING (one apply task per target; canary: the first N only)
→ PAUSED after the canary → continue or cancel → FINISHED, or FAILED when a target failed.
"""
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agents import batches
from agents.highlevel import schema
from agents.highlevel.errors import HighLevelError, RateLimited, ServerError, TransportError
from agents.models import Agent, Location, Rollout, RolloutTarget
from agents.models.mirror import AGENT_API_FIELDS
from audit.models import AuditEvent
from audit.services import record

from .desired import desired_for_bulk_update, desired_for_location
from .rendering import MissingVariable
from .versions import current_version

logger = logging.getLogger(__name__)
Status, TargetStatus = Rollout.Status, RolloutTarget.Status
_MODEL_TO_API = {field: api for api, field in AGENT_API_FIELDS.items()}
# Fields a bulk update may set on many agents at once (the name and primary flag are per agent).
BULK_UPDATE_FIELDS = tuple(api for api in AGENT_API_FIELDS if api not in ("name", "isPrimary"))


def _actor(rollout) -> str:
    return f"rollout #{rollout.pk}"


# --- Creating and planning ------------------------------------------------------------------

def create_rollout(template, locations, *, user=None, strategy="all", canary_size=0, plan_inline=False) -> Rollout:
    """A rollout of the template's current version to `locations`; planning starts at once.

    With plan_inline the plans are made here (CLI, tests); otherwise one django-q2 task per target.
    """
    version = current_version(template, user=user)
    locations = sorted(set(locations), key=lambda loc: (loc.name, loc.pk))
    if strategy == Rollout.Strategy.CANARY and canary_size < 1:
        raise ValidationError("A canary rollout needs a canary of at least one location.")
    with transaction.atomic():
        rollout = Rollout.objects.create(
            kind=Rollout.Kind.TEMPLATE, template=template, template_version=version.version,
            strategy=strategy, canary_size=canary_size if strategy == Rollout.Strategy.CANARY else 0,
            created_by=user, status=Status.PLANNING,
        )
        targets = []
        for position, location in enumerate(locations):
            target = RolloutTarget(rollout=rollout, location=location, position=position, status=TargetStatus.PLANNING)
            try:
                target.desired = desired_for_location(version.snapshot, location, template_id=template.pk)
            except MissingVariable as exc:
                target.status, target.outcome, target.error = TargetStatus.UNPLANNABLE, "unplannable", str(exc)
            if target.status == TargetStatus.PLANNING and not location.has_credentials:
                target.status, target.outcome = TargetStatus.UNPLANNABLE, "unplannable"
                target.error = "This location has no credentials: add a private integration token or an agency connection."
            targets.append(target)
        RolloutTarget.objects.bulk_create(targets)
        record(AuditEvent.Verb.ROLLOUT, user=user, object_type="rollout", object_id=str(rollout.pk),
               object_repr=str(rollout), template=template, rollout=rollout,
               message=f"Planned v{version.version} for {len(targets)} locations.")
    _start_planning(rollout, plan_inline)
    return rollout


def create_bulk_update(agents, changes: dict, *, user=None, plan_inline=False) -> Rollout:
    """Set the same fields on chosen agents, through the rollout path. Raises ValidationError."""
    api_changes = bulk_changes_to_api(changes)
    agents = list(agents)
    if not agents:
        raise ValidationError("Choose at least one agent.")
    by_location = {}
    for agent in sorted(agents, key=lambda a: (a.location.name, a.name)):
        by_location.setdefault(agent.location_id, (agent.location, []))[1].append(agent)
    with transaction.atomic():
        rollout = Rollout.objects.create(
            kind=Rollout.Kind.BULK_UPDATE, created_by=user, status=Status.PLANNING,
            changes={AGENT_API_FIELDS[api]: value for api, value in api_changes.items()},
        )
        targets = []
        for position, (location, location_agents) in enumerate(by_location.values()):
            target = RolloutTarget(
                rollout=rollout, location=location, position=position, status=TargetStatus.PLANNING,
                agent=location_agents[0] if len(location_agents) == 1 else None,
                desired=desired_for_bulk_update(location_agents, api_changes),
            )
            if not location.has_credentials:
                target.status, target.outcome = TargetStatus.UNPLANNABLE, "unplannable"
                target.error = "This location has no credentials: add a private integration token or an agency connection."
            targets.append(target)
        RolloutTarget.objects.bulk_create(targets)
        record(AuditEvent.Verb.ROLLOUT, user=user, object_type="rollout", object_id=str(rollout.pk),
               object_repr=str(rollout), rollout=rollout,
               message=f"Bulk update of {len(agents)} agents: {', '.join(api_changes)}.")
    _start_planning(rollout, plan_inline)
    return rollout


def bulk_changes_to_api(changes: dict) -> dict:
    """Validate bulk-update changes (model or API field names) and return them under API names."""
    api_changes, errors = {}, []
    for name, value in (changes or {}).items():
        api = name if name in AGENT_API_FIELDS else _MODEL_TO_API.get(name)
        if api not in BULK_UPDATE_FIELDS:
            errors.append(f"{name} cannot be set by a bulk update.")
            continue
        api_changes[api] = value
    if not api_changes and not errors:
        errors.append("Choose at least one field to change.")
    if not errors:
        probe = {**api_changes}
        probe.setdefault("autoPilotMaxMessages", schema.DEFAULT_AUTO_PILOT_MAX_MESSAGES)
        errors = schema.validate_agent(probe, partial=True)
    if errors:
        raise ValidationError(errors)
    return api_changes


def _start_planning(rollout, plan_inline: bool) -> None:
    ids = list(rollout.targets.filter(status=TargetStatus.PLANNING).values_list("pk", flat=True))
    if not ids:
        finish_planning_if_done(rollout.pk)
    elif plan_inline:
        for target_id in ids:
            plan_target_by_id(target_id)
    else:
        transaction.on_commit(lambda: _enqueue_plans(rollout.pk, ids))
    rollout.refresh_from_db()


def plan_target_by_id(target_id: int, *, close_planning=True) -> str:
    """Make one target's plan from a fresh read of its location (reads only).

    With close_planning the rollout becomes PLANNED if this was its last target; a task planning
    several targets does that once, after all of them (agents.tasks).

    Passing failures (429 past the client's retries, 5xx, timeouts) are tried again a few times
    with backoff; if they persist the target is marked failed with the reason, and the manager
    retries it (retry_targets plans it again). "Cannot be planned" is kept for real reasons.
    """
    import time

    from agents.gateway import location_client
    from agents.sync import failure_reason

    from .planner import plan_target

    # The agency connection is read only when a location token must be minted.
    target = RolloutTarget.objects.select_related("location", "rollout").get(pk=target_id)
    if target.status != TargetStatus.PLANNING:
        return f"skipped: target is {target.status}"
    tries = max(1, int(getattr(settings, "ROLLOUT_PLAN_TRIES", 3)))
    for attempt in range(1, tries + 1):
        client = location_client(target.location, reserve=4)
        try:
            plan = plan_target(client, target.location, target.desired, template_id=target.rollout.template_id)
            break
        except (RateLimited, ServerError, TransportError) as exc:
            if attempt < tries:
                time.sleep(float(getattr(settings, "ROLLOUT_PLAN_BACKOFF_SECONDS", 2.0)) * 2 ** (attempt - 1))
                continue
            reason = f"Could not be planned yet: {failure_reason(exc, target.location)} Retry this location."
            RolloutTarget.objects.filter(pk=target_id).update(status=TargetStatus.FAILED, outcome="", error=reason)
            if close_planning:
                finish_planning_if_done(target.rollout_id)
            return f"failed: {reason}"
        except Exception as exc:  # one location never stops the others; the reason is kept in words
            if not isinstance(exc, HighLevelError):
                logger.exception("Planning target %s failed unexpectedly", target_id)
            reason = failure_reason(exc, target.location)
            RolloutTarget.objects.filter(pk=target_id).update(status=TargetStatus.UNPLANNABLE, outcome="unplannable",
                                                              error=reason)
            if close_planning:
                finish_planning_if_done(target.rollout_id)
            return f"unplannable: {reason}"
    RolloutTarget.objects.filter(pk=target_id).update(
        status=TargetStatus.PLANNED, outcome=plan.outcome, plan=plan.steps, steps_total=len(plan.steps),
        error="\n".join(plan.notes),
    )
    if close_planning:
        finish_planning_if_done(target.rollout_id)
    return f"planned: {plan.outcome}, {len(plan.steps)} steps"


def finish_planning_if_done(rollout_id: int) -> None:
    if not RolloutTarget.objects.filter(rollout_id=rollout_id, status=TargetStatus.PLANNING).exists():
        Rollout.objects.filter(pk=rollout_id, status=Status.PLANNING).update(status=Status.PLANNED)


# --- Running ---------------------------------------------------------------------------------

def confirm_rollout(rollout, *, user=None) -> int:
    """Start applying: one task per target (canary: the first N only). Returns how many started."""
    with transaction.atomic():
        if not Rollout.objects.filter(pk=rollout.pk, status=Status.PLANNED).update(
            status=Status.RUNNING, started_at=timezone.now()
        ):
            raise ValidationError("Only a planned rollout can be confirmed (it may be still planning, or already running).")
        planned = rollout.targets.filter(status=TargetStatus.PLANNED).order_by("position", "pk")
        if rollout.strategy == Rollout.Strategy.CANARY:
            planned = planned[: rollout.canary_size]
        ids = _queue(list(planned.values_list("pk", flat=True)))
        record(AuditEvent.Verb.ROLLOUT, user=user, object_type="rollout", object_id=str(rollout.pk),
               object_repr=str(rollout), template_id=rollout.template_id, rollout=rollout,
               message=f"Confirmed; {len(ids)} targets started" + (" (canary)" if rollout.strategy == "canary" else "") + ".")
    rollout.refresh_from_db()
    if not ids:
        from .apply import finish_rollout_if_done
        finish_rollout_if_done(rollout.pk)
        rollout.refresh_from_db()
    return len(ids)


def continue_rollout(rollout, *, user=None) -> int:
    """After the canary: start every target left."""
    with transaction.atomic():
        if not Rollout.objects.filter(pk=rollout.pk, status=Status.PAUSED).update(status=Status.RUNNING):
            raise ValidationError("Only a rollout paused after its canary can be continued.")
        ids = _queue(list(rollout.targets.filter(status=TargetStatus.PLANNED).values_list("pk", flat=True)))
        record(AuditEvent.Verb.ROLLOUT, user=user, object_type="rollout", object_id=str(rollout.pk),
               object_repr=str(rollout), template_id=rollout.template_id, rollout=rollout,
               message=f"Continued after the canary; {len(ids)} more targets started.")
    rollout.refresh_from_db()
    if not ids:
        from .apply import finish_rollout_if_done
        finish_rollout_if_done(rollout.pk)
        rollout.refresh_from_db()
    return len(ids)


def cancel_rollout(rollout, *, user=None, reason="") -> int:
    """Stop new targets from starting (running ones finish). Also the "abort" after a canary."""
    who = user.get_username() if user is not None and getattr(user, "is_authenticated", False) else "the system"
    note = reason or f"Cancelled by {who}."
    with transaction.atomic():
        updated = Rollout.objects.filter(
            pk=rollout.pk, status__in=[Status.PLANNING, Status.PLANNED, Status.RUNNING, Status.PAUSED]
        ).update(status=Status.CANCELLED, status_note=note[:300])
        if not updated:
            raise ValidationError("This rollout has already ended.")
        skipped = rollout.targets.filter(
            status__in=[TargetStatus.PLANNING, TargetStatus.PLANNED, TargetStatus.QUEUED]
        ).update(status=TargetStatus.SKIPPED, error="Not started: the rollout was cancelled.", finished_at=timezone.now())
        record(AuditEvent.Verb.ROLLOUT, user=user, object_type="rollout", object_id=str(rollout.pk),
               object_repr=str(rollout), template_id=rollout.template_id, rollout=rollout,
               message=f"{note} {skipped} targets not started.")
    from .apply import finish_rollout_if_done
    finish_rollout_if_done(rollout.pk)
    rollout.refresh_from_db()
    return skipped


def retry_targets(rollout, target_ids=None, *, user=None) -> int:
    """Try failed targets again (all, or those named); each picks up where it stopped.

    Before the rollout is confirmed a failed target is one that could not be planned yet: it is
    planned again. After, it is applied again (the apply re-reads the location first).
    """
    failed = rollout.targets.filter(status=TargetStatus.FAILED)
    if target_ids is not None:
        failed = failed.filter(pk__in=list(target_ids))
    with transaction.atomic():
        ids = list(failed.values_list("pk", flat=True))
        if not ids:
            return 0
        if rollout.status in (Status.PLANNING, Status.PLANNED):
            RolloutTarget.objects.filter(pk__in=ids, status=TargetStatus.FAILED).update(
                status=TargetStatus.PLANNING, error="", outcome="")
            Rollout.objects.filter(pk=rollout.pk, status=Status.PLANNED).update(status=Status.PLANNING)
            message = f"Planning {len(ids)} locations again."
            transaction.on_commit(lambda: _enqueue_plans(rollout.pk, ids))
        else:
            Rollout.objects.filter(pk=rollout.pk).filter(
                Q(status__in=[Status.FINISHED, Status.FAILED, Status.RUNNING, Status.PAUSED, Status.CANCELLED])
            ).update(status=Status.RUNNING, finished_at=None, status_note="")
            ids = _queue(ids, from_status=TargetStatus.FAILED)
            message = f"Retry of {len(ids)} failed targets."
        record(AuditEvent.Verb.ROLLOUT, user=user, object_type="rollout", object_id=str(rollout.pk),
               object_repr=str(rollout), template_id=rollout.template_id, rollout=rollout, message=message)
    rollout.refresh_from_db()
    return len(ids)


def _enqueue_plans(rollout_id: int, target_ids: list) -> None:
    batches.enqueue("agents.tasks.plan_targets", target_ids, size=settings.ROLLOUT_TARGETS_PER_TASK,
                    label="plan targets", group=f"rollout-{rollout_id}")


def _queue(target_ids: list, *, from_status=TargetStatus.PLANNED) -> list:
    """Mark targets queued and enqueue their apply tasks once the transaction commits."""
    # started_at of a queued target: when it was queued (the reaper's clock for lost tasks).
    RolloutTarget.objects.filter(pk__in=target_ids, status=from_status).update(
        status=TargetStatus.QUEUED, error="", remaining=[], finished_at=None, started_at=timezone.now()
    )

    transaction.on_commit(lambda: batches.enqueue("agents.tasks.apply_targets", target_ids, label="apply targets",
                                                  size=settings.ROLLOUT_TARGETS_PER_TASK, group="rollout"))
    return target_ids


def agents_for_bulk_update(agent_ids) -> list:
    return list(Agent.objects.filter(pk__in=list(agent_ids), state=Agent.State.ACTIVE).select_related("location"))


def locations_by_ids(location_ids) -> list:
    return list(Location.objects.filter(pk__in=list(location_ids)))


__all__ = [
    "create_rollout", "create_bulk_update", "confirm_rollout", "continue_rollout", "cancel_rollout",
    "retry_targets", "bulk_changes_to_api", "BULK_UPDATE_FIELDS", "plan_target_by_id",
]
