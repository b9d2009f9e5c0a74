"""Writes to the audit log. Events are only ever added (see audit.models.AuditEvent)."""
from audit.models import AuditEvent


def actor_fields(user=None, label: str = "") -> dict:
    """The actor of an event: a user, or a job named by `label` (e.g. "sync", "rollout #4")."""
    if user is not None and getattr(user, "is_authenticated", False):
        return {"actor": user, "actor_label": label or user.get_username()}
    return {"actor": None, "actor_label": label or "system"}


def record(verb: str, *, user=None, actor_label: str = "", **fields) -> AuditEvent:
    return AuditEvent.objects.create(verb=verb, **actor_fields(user, actor_label), **fields)


def record_many(events: list[AuditEvent]) -> None:
    if len(events) == 1:
        events[0].save(force_insert=True)  # one INSERT; bulk_create wraps even one row in a transaction
    elif events:
        AuditEvent.objects.bulk_create(events, batch_size=500)
