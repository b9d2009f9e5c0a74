"""Apply one rollout target: idempotent, under the location's write lease, every write audited.

The stored plan is what the manager confirmed; what is executed is re-planned from a fresh read
against the frozen desired config, so a second run (or a retry after a half-way failure) only
does what is still left.

HighLevel has no idempotency keys. When a create's answer is lost (a timeout, a 5xx after the
fact) the request may still be in flight and land later, so nothing is created again in the
same run: the target waits (queued, with a note) longer than the client's timeout plus the
worst in-flight time, then a new run reads first and adopts what landed. Passing failures (429
past retries, 5xx, timeouts, the location busy) wait and try again a few times before the
target fails; the manager can retry a failed target at any time.
"""
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agents.gateway import location_client
from agents.highlevel.errors import HighLevelError, RateLimited, ServerError, TransportError
from agents.locks import LocationBusy, location_write_lock, renew
from agents.models import Agent, Rollout, RolloutTarget
from audit.models import AuditEvent
from audit.services import record

from . import mirroring, waiting
from .diffing import known_agent
from .planner import ADOPT, action_key, plan_target
from .write_log import WriteLog

logger = logging.getLogger(__name__)
TargetStatus, Status = RolloutTarget.Status, Rollout.Status
LOST_CREATE_NOTE = "the create's answer was lost; checking before creating again."
FOUND_DONE_NOTE = ("Found done in HighLevel by a later run: the run that sent it was cut off before it read the "
                   "answer, so it is recorded now.")
_METHOD_OF_STEP = {"create_agent": "POST", "attach_action": "POST", "update_agent": "PUT", "update_action": "PUT",
                   "remove_action": "DELETE", "followup_settings": "PATCH"}
PROGRESS_EVERY_SECONDS = 1.0


def _setting(name, default):
    return getattr(settings, name, default)


def lease_length() -> timedelta:
    return timedelta(seconds=_setting("ROLLOUT_LEASE_SECONDS", 60))


def lease_owner_prefix(rollout_id: int, target_id: int) -> str:
    return f"rollout #{rollout_id}, target {target_id} ("


class LostCreateAnswer(Exception):
    """A create that may or may not have happened: do not create again in this run."""


def _passing(exc: Exception) -> bool:
    return isinstance(exc, (RateLimited, ServerError, TransportError, LocationBusy))


# --- Entry point ------------------------------------------------------------------------------

def apply_target(target_id: int, *, close_rollout=True) -> str:
    """Apply one target; with close_rollout, also close (or pause) its rollout if it was the last.
    A task applying several targets closes their rollouts once, after all of them (agents.tasks)."""
    now = timezone.now()
    # A waiting target's started_at is when it may start again; an early delivery is skipped.
    claimed = RolloutTarget.objects.filter(pk=target_id, status=TargetStatus.QUEUED).filter(
        Q(started_at__isnull=True) | Q(started_at__lte=now)
    ).update(status=TargetStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, finished_at=None, error="",
             remaining=[])
    if not claimed:
        return "skipped: the target is not due (done, cancelled, waiting or running elsewhere)"
    # What a run reads on every target, no more: the agency connection is read only when a
    # location token must be minted, the plan as confirmed only by a run that resumes one.
    target = RolloutTarget.objects.select_related("rollout", "location").defer("plan").get(pk=target_id)
    run = TargetRun(target)
    try:
        # Unique per run: two runs (a task delivered twice) must never share the lease.
        owner = lease_owner_prefix(target.rollout_id, target.pk) + f"{uuid.uuid4().hex[:6]})"
        with location_write_lock(target.location_id, owner, wait_seconds=_setting("ROLLOUT_LOCK_WAIT_SECONDS", 120),
                                 lease=lease_length()):
            run.owner = owner
            result = run.execute()
    except LostCreateAnswer:
        result = run.wait(LOST_CREATE_NOTE, waiting.lost_answer_wait_seconds())
    except Exception as exc:  # every failure is kept in words; one target never stops the others
        # Up to ROLLOUT_MAX_ATTEMPTS runs, then failed; a manager's retry grants as many again.
        if _passing(exc) and target.attempts % max(1, _setting("ROLLOUT_MAX_ATTEMPTS", 5)) != 0:
            reason = str(exc) if isinstance(exc, LocationBusy) else exc.user_message
            result = run.wait(f"{reason} Trying again shortly.", waiting.backoff_seconds(target.attempts))
        else:
            result = run.fail_from(exc)
    if close_rollout:
        finish_rollout_if_done(target.rollout_id)
    return result


class TargetRun:
    def __init__(self, target: RolloutTarget):
        self.target = target
        self.rollout = target.rollout
        self.location = target.location
        self.log = WriteLog(on_any_answer=self.keep_lease)
        self.client = None
        self.owner = ""
        self.lease_renewed_at = time.monotonic()
        self.progress_saved_at = time.monotonic()  # progress is written at most once a second
        self.desired = target.desired
        self.is_template = self.desired.get("kind") != "bulk_update"
        self.steps_done = target.steps_done
        self.done_log = list(target.done_log or [])
        self.current_steps, self.current_index = [], 0
        self.notes = []
        # What HighLevel now holds for the managed agent, kept up to date by each answer.
        self.agent_id, self.remote_agent, self.remote_actions = "", None, {}
        self.agent_row = None
        self.agent_created = False  # by this run: its mirror has no actions yet
        self.step_object = ("", "agent")

    # --- the run ------------------------------------------------------------------------

    def execute(self) -> str:
        self.client = location_client(self.location, on_response=self.log, reserve=10)
        executed = 0
        try:
            plan = plan_target(self.client, self.location, self.desired, template_id=self.rollout.template_id)
            self.notes = plan.notes
            self._take_read(plan)
            if self.target.attempts > 1:
                self._audit_writes_found_done(plan)
            self.current_steps, self.current_index = plan.steps, 0
            steps_total = self.steps_done + len(plan.steps)
            if steps_total != self.target.steps_total:  # the location changed since the plan was read
                self._save_progress(force=True, steps_total=steps_total)
            for index, step in enumerate(plan.steps):
                self.current_index = index
                self._run_step(step)
                executed += 1
                self.steps_done += 1
                self.done_log.append(step["summary"])
                self._save_progress()
            self.current_steps = []
        except BaseException:
            self._mirror()  # what the steps that ran did (the failure is recorded by the caller)
            raise
        # The mirror, the audit events and the target's outcome go in together, in one commit.
        with transaction.atomic():
            self._mirror()
            status = TargetStatus.SUCCEEDED if (executed or self.steps_done) else TargetStatus.UNCHANGED
            self._finish(status=status, finished_at=timezone.now(), remaining=[], error="\n".join(self.notes))
        return f"{status}: {executed} steps, {self.log.applied} writes"

    def keep_lease(self) -> None:
        """Renew the lease from the client's hook: a long step never outlives it."""
        lease_s = lease_length().total_seconds()
        if self.owner and time.monotonic() - self.lease_renewed_at > lease_s / 3:
            renew(self.location.pk, self.owner, lease_length())
            self.lease_renewed_at = time.monotonic()

    def _take_read(self, plan) -> None:
        if plan.agent_id and self.is_template:
            self.agent_id = plan.agent_id
            self.remote_agent = plan.remote_agent
            self.remote_actions = {str(a["id"]): a for a in plan.remote_actions}
            if plan.outcome != ADOPT:
                mirrored = Agent.objects.filter(location=self.location, hl_id=self.agent_id).order_by("pk").first()
                self.agent_row = mirrored or mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout)

    def _audit_writes_found_done(self, plan) -> None:
        """An earlier run cut off mid-write (its worker killed) never recorded that write: if a
        step of the confirmed plan is no longer needed and no audit event names it, the write
        landed without its answer being read. It is recorded now, answer unknown, so the audit
        log keeps one event per write HighLevel received."""
        still_to_do = {step["summary"] for step in plan.steps}
        found_done = [step for step in self.target.plan or []
                      if step.get("kind") != "adopt_agent" and step["summary"] not in still_to_do]
        if not found_done:
            return
        audited = set(AuditEvent.objects.filter(
            verb=AuditEvent.Verb.REMOTE_WRITE, rollout=self.rollout, location=self.location,
            object_repr__in=[step["summary"][:300] for step in found_done],
        ).values_list("object_repr", flat=True))
        for step in found_done:
            if step["summary"][:300] in audited:
                continue
            object_id, object_type = self._found_object(step)
            self.log.attempts.append((_METHOD_OF_STEP[step["kind"]], "", None, None, 1))
            self.log.end_step(step, who=self._who(), object_id=object_id, object_type=object_type,
                              location=self.location, agent=self.agent_row, rollout=self.rollout, note=FOUND_DONE_NOTE)

    def _found_object(self, step: dict) -> tuple[str, str]:
        if step["kind"] in ("create_agent", "update_agent"):
            return step.get("agent_id") or self.agent_id, "agent"
        found = next((i for i, a in self.remote_actions.items() if action_key(a) == step.get("action_key")), "")
        return step.get("action_id") or found or self.agent_id, "action" if "action" in step["kind"] else "agent"

    # --- steps -----------------------------------------------------------------------------

    def _run_step(self, step: dict) -> None:
        kind = step["kind"]
        self.step_object = (step.get("action_id") or step.get("agent_id") or self.agent_id,
                            "action" if "action" in kind else "agent")
        try:
            self._do(kind, step)
        finally:
            agent = self.agent_row if self.is_template else \
                Agent.objects.filter(location=self.location, hl_id=step.get("agent_id")).order_by("pk").first()
            self.log.end_step(step, who=self._who(), object_id=self.step_object[0], object_type=self.step_object[1],
                              location=self.location, agent=agent, rollout=self.rollout)

    def _do(self, kind: str, step: dict) -> None:
        if kind == "create_agent":
            answer = known_agent(self._create(lambda: self.client.create_agent(step["payload"])), step["payload"])
            self.agent_id, self.remote_agent, self.remote_actions = str(answer["id"]), answer, {}
            # Its mirror row is written with the run's progress or its end (_save_new_agent).
            self.agent_row = mirroring.unsaved_agent(self.location, answer)
            self.agent_created = True
            self.step_object = (self.agent_id, "agent")
        elif kind == "adopt_agent":
            self.agent_row = mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout)
            record(AuditEvent.Verb.ROLLOUT, user=self.rollout.created_by, actor_label=self._who()["actor_label"],
                   object_type="agent", object_id=self.agent_id,
                   object_repr=self.agent_row.name, location=self.location, agent=self.agent_row,
                   template_id=self.rollout.template_id, rollout=self.rollout,
                   message=" ".join([step["summary"] + "."] + self.notes))
        elif kind == "update_agent":
            answer = self.client.update_agent(step["agent_id"] or self.agent_id, step["payload"])
            if self.is_template:
                self.remote_agent = known_agent(answer, self.remote_agent, step["payload"])
            else:
                row = mirroring.mirror_agent(self.location, known_agent(answer, step["payload"]))
                self.agent_row = row if len(self.desired["agents"]) == 1 else None
        elif kind == "attach_action":
            answer = self._create(lambda: self.client.create_action(self.agent_id, step["payload"]))
            self.remote_actions[str(answer["id"])] = answer
            self.step_object = (str(answer["id"]), "action")
        elif kind == "update_action":
            answer = self.client.update_action(self.agent_id, step["action_id"], step["payload"])
            self.remote_actions[step["action_id"]] = answer or {**step["payload"], "id": step["action_id"]}
        elif kind == "remove_action":
            self.client.delete_action(self.agent_id, step["action_id"])
            self.remote_actions.pop(step["action_id"], None)
        elif kind == "followup_settings":
            self._followup_settings(step)
        else:
            raise ValueError(f"Unknown plan step {kind!r}")

    def _create(self, send):
        try:
            return send()
        except (ServerError, TransportError) as error:
            if isinstance(error, ServerError) or error.maybe_sent:
                raise LostCreateAnswer(str(error)) from error
            raise

    def _followup_settings(self, step: dict) -> None:
        ids = [i for i, a in self.remote_actions.items() if action_key(a) in step["action_keys"]]
        settings_wanted = step["payload"]["followupSettings"]
        self.client.update_followup_settings(self.agent_id, {"actionIds": ids, "followupSettings": settings_wanted})
        for action_id in ids:
            action = self.remote_actions[action_id]
            action["details"] = {**(action.get("details") or {}), "followupSettings": settings_wanted}

    # --- records ---------------------------------------------------------------------------

    def _who(self) -> dict:
        """The actor of the run's audit events: who started the rollout, by id (no user read)."""
        return {"actor_id": self.rollout.created_by_id, "actor_label": f"rollout #{self.rollout.pk}"}

    def _save_progress(self, *, force=False, **extra) -> None:
        """At most once a second, with the audit events of the steps done since: a target's steps
        take tens of milliseconds each."""
        if not force and time.monotonic() - self.progress_saved_at < PROGRESS_EVERY_SECONDS:
            return
        self.progress_saved_at = time.monotonic()
        self._save_new_agent()
        self.log.write()
        RolloutTarget.objects.filter(pk=self.target.pk).update(steps_done=self.steps_done, done_log=self.done_log, **extra)

    def _finish(self, **fields) -> None:
        """The target's last word for this run, its figures included, in one statement (after
        the audit events still kept)."""
        client = self.client
        self._save_new_agent()
        self.log.write()
        RolloutTarget.objects.filter(pk=self.target.pk).update(
            steps_done=self.steps_done, done_log=self.done_log, agent=self.agent_row,
            requests_sent=F("requests_sent") + (client.requests_sent if client else 0),
            retries=F("retries") + (client.retries if client else 0),
            writes=F("writes") + self.log.applied, **fields,
        )

    def _save_new_agent(self) -> None:
        """The agent this run created gets its mirror row before any event naming it is written."""
        if self.agent_row is not None and self.agent_row.pk is None:
            self.agent_row = mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout,
                                                    row=self.agent_row)

    def _mirror(self) -> None:
        """Keep the mirror as HighLevel now is, without a full sync (also after a failure)."""
        if self.is_template and self.agent_id and self.remote_agent is not None:
            finished = not self.current_steps
            actions = list(self.remote_actions.values())
            self.agent_row = mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout,
                                                    in_sync=finished, row=self.agent_row,
                                                    followup_settings=mirroring.followup_settings_of(actions))
            mirroring.mirror_actions(self.agent_row, actions, new_agent=self.agent_created)

    def remaining_summaries(self) -> list:
        return [step["summary"] for step in self.current_steps[self.current_index:]]

    def wait(self, note: str, delay_seconds: float) -> str:
        due = timezone.now() + timedelta(seconds=delay_seconds)
        self._finish(status=TargetStatus.QUEUED, started_at=due, finished_at=None, remaining=self.remaining_summaries(),
                     error=f"Waiting: {note} Next try at {due:%H:%M:%S} UTC.")
        waiting.schedule_retry(self.target.pk, due)
        return f"waiting: {note}"

    def fail(self, reason: str) -> str:
        self._finish(status=TargetStatus.FAILED, error=reason, remaining=self.remaining_summaries(),
                     finished_at=timezone.now())
        return f"failed: {reason}"

    def fail_from(self, exc: Exception) -> str:
        from agents.sync import failure_reason

        if isinstance(exc, LocationBusy):
            return self.fail(str(exc))
        if not isinstance(exc, HighLevelError):
            logger.exception("Rollout target %s failed unexpectedly", self.target.pk)
        reason = failure_reason(exc, self.location)
        if self.current_steps:
            reason = f"{self.current_steps[self.current_index]['summary']}: {reason}"
        return self.fail(reason)


# --- The rollout as a whole ---------------------------------------------------------------------

def finish_rollout_if_done(rollout_id: int) -> None:
    """Pause after the canary, or close the rollout with its totals, once no target is active."""
    targets = RolloutTarget.objects.filter(rollout_id=rollout_id)
    if targets.filter(status__in=[TargetStatus.PLANNING, TargetStatus.QUEUED, TargetStatus.RUNNING]).exists():
        return
    rollout = Rollout.objects.filter(pk=rollout_id).first()
    if rollout is None:
        return
    now = timezone.now()
    if rollout.status == Status.RUNNING:
        if targets.filter(status=TargetStatus.PLANNED).exists():
            Rollout.objects.filter(pk=rollout_id, status=Status.RUNNING).update(
                status=Status.PAUSED, status_note="Paused after the canary: continue or cancel."
            )
            return
        failed = targets.filter(status=TargetStatus.FAILED).exists()
        Rollout.objects.filter(pk=rollout_id, status=Status.RUNNING).update(
            status=Status.FAILED if failed else Status.FINISHED, finished_at=now
        )
    elif rollout.status == Status.CANCELLED and rollout.finished_at is None:
        Rollout.objects.filter(pk=rollout_id, finished_at__isnull=True).update(finished_at=now)
