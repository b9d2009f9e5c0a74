"""One REMOTE_WRITE audit event per write attempt that may have reached HighLevel.

The client's on_response hook sees every attempt, retries included: a PUT that timed out and
was sent again is two attempts, and if the first was in fact applied the service did two
writes. Recording each attempt with its status (None when the answer was lost) keeps the
audit log in step with what the service received.

A step's events are made when the step ends, so they can name the object it created, and are
written with the target's progress (at most a second later, apply.TargetRun._save_progress)
or with its last word, in one INSERT: one statement a second instead of one per step, which
was a third of the database work a rollout target cost. A worker killed within that second
takes the events with it; the run that resumes the target finds those writes done and records
them then, one per step, with the answer unknown (apply.TargetRun._audit_writes_found_done).
"""
from audit.models import AuditEvent
from audit.services import record_many

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def attempt_note(status, attempt: int) -> str:
    if status is None:
        return f"Attempt {attempt}: the answer was lost; the service may have applied it."
    if status >= 500:
        return f"Attempt {attempt}: HighLevel answered {status}; it may or may not have applied it."
    if status >= 400:
        return f"Attempt {attempt}: HighLevel answered {status}; not applied."
    return "" if attempt == 1 else f"Attempt {attempt}."


class WriteLog:
    """The on_response hook of a rollout target's client, and the target's events not yet written."""

    def __init__(self, on_any_answer=None):
        self.on_any_answer = on_any_answer
        self.attempts = []  # the current step's write attempts
        self.events = []  # the audit events of the steps that ended, until write()
        self.applied = 0  # write attempts answered 2xx, for the target's figures

    def __call__(self, method, path, status, duration_ms, attempt):
        if self.on_any_answer is not None:
            self.on_any_answer()
        if method in WRITE_METHODS:
            self.attempts.append((method, path, status, duration_ms, attempt))

    def end_step(self, step: dict, *, who: dict, object_id: str, object_type: str, location, agent, rollout,
                 note: str = "") -> int:
        """The step's attempts become audit events (with `note`, if given, in their message), kept
        for write(); returns how many. `who`: the events' actor fields (actor_id, actor_label)."""
        events = []
        for method, path, status, duration_ms, attempt in self.attempts:
            refused = status is not None and 400 <= status < 500
            if status is not None and status < 400:
                self.applied += 1
            words = note or attempt_note(status, attempt)
            events.append(AuditEvent(
                verb=AuditEvent.Verb.REMOTE_WRITE, **who,
                object_type=object_type, object_id=object_id or "", object_repr=step["summary"][:300],
                location=location, agent=agent, template_id=rollout.template_id, rollout=rollout,
                changes={} if refused else (step.get("changes") or {}),
                message=" ".join(filter(None, [step["summary"] + ".", words])),
                http_method=method, http_path=(path or "")[:300], http_status=status,
                duration_ms=int(duration_ms) if duration_ms is not None else None,
            ))
        self.attempts = []
        self.events += events
        return len(events)

    def write(self) -> None:
        """Add the events kept so far to the audit log."""
        events, self.events = self.events, []
        record_many(events)
