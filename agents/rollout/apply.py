"""Apply one rollout target: idempotent, under the location's write lock, every write audited.

The stored plan is what the manager confirmed; what is executed is re-planned from a fresh read
against the frozen desired config, so a second run (or a retry after a half-way failure) only
does what is still left. HighLevel has no idempotency keys: when a create's answer is lost (a
timeout, a 5xx after the fact) the location is read again before anything is created again,
and an agent or action that turns out to exist is adopted, never duplicated.
"""
import logging
import time
import uuid

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from agents.gateway import location_client
from agents.highlevel.errors import HighLevelError, ServerError, TransportError
from agents.locks import LocationBusy, location_write_lock, renew
from agents.models import Rollout, RolloutTarget
from audit.models import AuditEvent
from audit.services import record

from . import mirroring
from .planner import ADOPT, action_key, plan_target

logger = logging.getLogger(__name__)
TargetStatus, Status = RolloutTarget.Status, Rollout.Status
# Fresh reads and re-plans after ambiguous creates, before a target gives up.
MAX_ROUNDS = 4


def _setting(name, default):
    return getattr(settings, name, default)


class AmbiguousWrite(Exception):
    """A create that may or may not have happened: look before creating again."""

    def __init__(self, key: str, step: dict, error: HighLevelError):
        self.key, self.step, self.error = key, step, error
        super().__init__(str(error))


def _maybe_happened(error: HighLevelError) -> bool:
    return isinstance(error, ServerError) or (isinstance(error, TransportError) and error.maybe_sent)


class CallRecorder:
    """on_response hook: remembers the last HTTP call, for the audit event of a write."""

    def __init__(self):
        self.last = (None, None, None, None)

    def __call__(self, method, path, status, duration_ms, attempt):
        self.last = (method, path, status, duration_ms)


# --- Entry point ------------------------------------------------------------------------------

def apply_target(target_id: int) -> str:
    now = timezone.now()
    claimed = RolloutTarget.objects.filter(pk=target_id, status=TargetStatus.QUEUED).update(
        status=TargetStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, finished_at=None, error="", remaining=[]
    )
    if not claimed:
        return "skipped: the target is not queued (done, cancelled or running elsewhere)"
    target = RolloutTarget.objects.select_related("rollout", "rollout__template", "rollout__created_by", "location",
                                                  "location__connection").get(pk=target_id)
    run = TargetRun(target)
    try:
        # Unique per run: the lease re-admits its own owner, and two runs must never share it.
        owner = f"rollout #{target.rollout_id}, target {target.pk} ({uuid.uuid4().hex[:6]})"
        with location_write_lock(target.location_id, owner, wait_seconds=_setting("ROLLOUT_LOCK_WAIT_SECONDS", 120)):
            run.owner = owner
            result = run.execute()
    except LocationBusy as exc:
        result = run.fail(str(exc))
    except Exception as exc:  # every failure is kept in words; one target never stops the others
        result = run.fail_from(exc)
    finish_rollout_if_done(target.rollout_id)
    return result


class TargetRun:
    def __init__(self, target: RolloutTarget):
        self.target = target
        self.rollout = target.rollout
        self.location = target.location
        self.calls = CallRecorder()
        self.client = None
        self.owner = ""
        self.desired = target.desired
        self.is_template = self.desired.get("kind") != "bulk_update"
        self.steps_done = target.steps_done
        self.done_log = list(target.done_log or [])
        self.current_steps, self.current_index = [], 0
        self.writes = 0
        # What HighLevel now holds for the managed agent, kept up to date by each answer.
        self.agent_id, self.remote_agent, self.remote_actions = "", None, {}
        self.agent_row = None

    # --- the loop -----------------------------------------------------------------------

    def execute(self) -> str:
        self.client = location_client(self.location, on_response=self.calls)
        pending = {}
        executed = 0
        try:
            for round_number in range(MAX_ROUNDS):
                plan = plan_target(self.client, self.location, self.desired, template_id=self.rollout.template_id)
                self._take_read(plan)
                self._settle_pending(plan, pending)
                self.current_steps, self.current_index = plan.steps, 0
                self._save_progress(steps_total=self.steps_done + len(plan.steps))
                try:
                    for index, step in enumerate(plan.steps):
                        self.current_index = index
                        self._run_step(step)
                        executed += 1
                        self.steps_done += 1
                        self.done_log.append(step["summary"])
                        self._save_progress()
                    self.current_steps = []
                    break
                except AmbiguousWrite as ambiguous:
                    pending[ambiguous.key] = ambiguous
                    if round_number == MAX_ROUNDS - 1:
                        raise ambiguous.error
                    logger.info("Rollout target %s: %s; looking before creating again", self.target.pk, ambiguous)
                    time.sleep(_setting("ROLLOUT_LOOK_AGAIN_AFTER_SECONDS", 1.0))
        finally:
            self._mirror()
            self._save_counters()
        status = TargetStatus.SUCCEEDED if (executed or self.steps_done) else TargetStatus.UNCHANGED
        RolloutTarget.objects.filter(pk=self.target.pk).update(
            status=status, finished_at=timezone.now(), remaining=[], agent=self.agent_row,
        )
        return f"{status}: {executed} steps, {self.writes} writes"

    def _take_read(self, plan) -> None:
        if plan.agent_id and self.is_template:
            self.agent_id = plan.agent_id
            self.remote_agent = plan.remote_agent
            self.remote_actions = {str(a["id"]): a for a in plan.remote_actions}
            if plan.outcome != ADOPT:
                self.agent_row = mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout) or self.agent_row

    def _settle_pending(self, plan, pending: dict) -> None:
        """Creates whose answers were lost but which did happen: audit them now, once."""
        found_keys = set()
        if "agent" in pending and plan.agent_id:
            found_keys.add("agent")
        keys_present = {action_key(a) for a in self.remote_actions.values()}
        found_keys |= {key for key in pending if key != "agent" and key in keys_present}
        for key in found_keys:
            ambiguous = pending.pop(key)
            if key == "agent":
                self.agent_row = mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout)
                object_id = self.agent_id
            else:
                object_id = next(i for i, a in self.remote_actions.items() if action_key(a) == key)
            self._audit(ambiguous.step, object_id=object_id, http=(ambiguous.error.method, ambiguous.error.path, None, None),
                        note="The answer was lost; a fresh read found it done, so it was not sent again.")

    # --- steps -----------------------------------------------------------------------------

    def _run_step(self, step: dict) -> None:
        if self.owner:
            renew(self.location.pk, self.owner)
        kind = step["kind"]
        if kind == "create_agent":
            answer = self._create("agent", step, lambda: self.client.create_agent(step["payload"]))
            self.agent_id, self.remote_agent, self.remote_actions = str(answer["id"]), answer, {}
            self.agent_row = mirroring.mirror_agent(self.location, answer, rollout=self.rollout)
            self._audit(step, object_id=self.agent_id)
        elif kind == "adopt_agent":
            self.agent_row = mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout)
            record(AuditEvent.Verb.ROLLOUT, **self._who(), object_type="agent", object_id=self.agent_id,
                   object_repr=self.agent_row.name, location=self.location, agent=self.agent_row,
                   template_id=self.rollout.template_id, rollout=self.rollout, message=step["summary"])
        elif kind == "update_agent":
            agent_id = step["agent_id"] or self.agent_id
            answer = self.client.update_agent(agent_id, step["payload"])
            if self.is_template:
                self.remote_agent = answer
                self.agent_row = mirroring.mirror_agent(self.location, answer, rollout=self.rollout)
                self._audit(step, object_id=agent_id)
            else:
                row = mirroring.mirror_agent(self.location, answer)
                self.agent_row = row if len(self.desired["agents"]) == 1 else None
                self._audit(step, object_id=agent_id, agent_row=row)
        elif kind == "attach_action":
            answer = self._create(step["action_key"], step,
                                  lambda: self.client.create_action(self.agent_id, step["payload"]))
            self.remote_actions[str(answer["id"])] = answer
            self._audit(step, object_id=str(answer["id"]), object_type="action")
        elif kind == "update_action":
            answer = self.client.update_action(self.agent_id, step["action_id"], step["payload"])
            self.remote_actions[step["action_id"]] = answer or {**step["payload"], "id": step["action_id"]}
            self._audit(step, object_id=step["action_id"], object_type="action")
        elif kind == "remove_action":
            self.client.delete_action(self.agent_id, step["action_id"])
            self.remote_actions.pop(step["action_id"], None)
            self._audit(step, object_id=step["action_id"], object_type="action")
        elif kind == "followup_settings":
            self._followup_settings(step)
        else:
            raise ValueError(f"Unknown plan step {kind!r}")

    def _create(self, key: str, step: dict, send):
        try:
            return send()
        except HighLevelError as error:
            if _maybe_happened(error):
                raise AmbiguousWrite(key, step, error) from error
            raise

    def _followup_settings(self, step: dict) -> None:
        ids = [i for i, a in self.remote_actions.items() if action_key(a) in step["action_keys"]]
        settings_wanted = step["payload"]["followupSettings"]
        self.client.update_followup_settings(self.agent_id, {"actionIds": ids, "followupSettings": settings_wanted})
        for action_id in ids:
            action = self.remote_actions[action_id]
            action["details"] = {**(action.get("details") or {}), "followupSettings": settings_wanted}
        self._audit(step, object_id=self.agent_id)

    # --- records ---------------------------------------------------------------------------

    def _who(self) -> dict:
        return {"user": self.rollout.created_by, "actor_label": f"rollout #{self.rollout.pk}"}

    def _audit(self, step, *, object_id, object_type="agent", agent_row=None, http=None, note="") -> None:
        method, path, status, duration_ms = http or self.calls.last
        agent_row = agent_row or self.agent_row
        record(
            AuditEvent.Verb.REMOTE_WRITE, **self._who(), object_type=object_type, object_id=object_id,
            object_repr=(step["summary"])[:300], location=self.location, agent=agent_row,
            template_id=self.rollout.template_id, rollout=self.rollout, changes=step.get("changes") or {},
            message=" ".join(filter(None, [step["summary"] + ".", note])),
            http_method=method or "", http_path=(path or "")[:300], http_status=status,
            duration_ms=int(duration_ms) if duration_ms is not None else None,
        )
        self.writes += 1

    def _save_progress(self, **extra) -> None:
        RolloutTarget.objects.filter(pk=self.target.pk).update(
            steps_done=self.steps_done, done_log=self.done_log, **extra
        )

    def _save_counters(self) -> None:
        client = self.client
        RolloutTarget.objects.filter(pk=self.target.pk).update(
            requests_sent=F("requests_sent") + (client.requests_sent if client else 0),
            retries=F("retries") + (client.retries if client else 0),
            writes=F("writes") + self.writes,
        )

    def _mirror(self) -> None:
        """Keep the mirror as HighLevel now is, without a full sync (also after a failure)."""
        if self.is_template and self.agent_id and self.remote_agent is not None:
            self.agent_row = mirroring.mirror_agent(self.location, self.remote_agent, rollout=self.rollout)
            mirroring.mirror_actions(self.agent_row, list(self.remote_actions.values()))
            finished = not self.current_steps
            mirroring.mark_managed(self.agent_row, self.rollout, in_sync=finished)

    def remaining_summaries(self) -> list:
        return [step["summary"] for step in self.current_steps[self.current_index:]]

    def fail(self, reason: str) -> str:
        RolloutTarget.objects.filter(pk=self.target.pk).update(
            status=TargetStatus.FAILED, error=reason, remaining=self.remaining_summaries(),
            finished_at=timezone.now(), agent=self.agent_row,
        )
        return f"failed: {reason}"

    def fail_from(self, exc: Exception) -> str:
        from agents.sync import failure_reason

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
