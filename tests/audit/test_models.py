"""The audit log is append-only: what is written stays as written."""
import pytest

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record


@pytest.mark.django_db
def test_an_event_cannot_be_changed_or_deleted_through_the_orm():
    event = record(AuditEvent.Verb.UPDATED, actor_label="sync", object_type="agent", object_repr="Sally",
                   changes={"mode": ["off", "auto-pilot"]})
    event.message = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(message="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).changes == {"mode": ["off", "auto-pilot"]}


@pytest.mark.django_db
def test_a_job_is_named_as_the_actor(django_user_model):
    user = django_user_model.objects.create_user("alice")
    by_user = record(AuditEvent.Verb.UPDATED, user=user, object_type="agent")
    by_job = record(AuditEvent.Verb.UPDATED, actor_label="sync", object_type="agent")
    assert (by_user.actor, by_user.actor_label) == (user, "alice")
    assert (by_job.actor, by_job.actor_label) == (None, "sync")
