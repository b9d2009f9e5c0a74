"""Audit events are append-only: no ORM helper, admin page or back-office page changes or deletes one."""
import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent
from tests.audit.trail_factories import make_agent, make_event, make_location

pytestmark = pytest.mark.django_db

ORIGINAL = {"mode": ["off", "auto-pilot"]}


@pytest.fixture
def event():
    return make_event(object_repr="Reception", actor_label="alice", changes=ORIGINAL)


def unchanged(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    return (stored.actor_label, stored.changes) == ("alice", ORIGINAL)


def test_orm_save_update_and_delete_raise(event):
    event.changes = {"mode": ["off", "off"]}
    attempts = [
        event.save,
        event.delete,
        lambda: AuditEvent.objects.filter(pk=event.pk).update(actor_label="mallory"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["changes"]),
        lambda: AuditEvent.objects.update_or_create(pk=event.pk, defaults={"actor_label": "mallory"}),
    ]
    for attempt in attempts:
        # Each in its own savepoint: some helpers open a transaction that the refusal rolls back.
        with pytest.raises(AppendOnlyError), transaction.atomic():
            attempt()
    assert unchanged(event)


def test_a_fetched_copy_cannot_be_saved_over_the_original(event):
    copy = AuditEvent.objects.get(pk=event.pk)
    copy.actor_label = "mallory"
    with pytest.raises(AppendOnlyError):
        copy.save(update_fields=["actor_label"])
    assert unchanged(event)


def test_deleting_what_an_event_is_about_keeps_the_event(event):
    location = make_location()
    agent = make_agent(location)
    about = make_event(object_repr="Reception", location=location, agent=agent, changes=ORIGINAL)
    location.delete()  # takes the agent with it

    stored = AuditEvent.objects.get(pk=about.pk)
    assert (stored.location_id, stored.agent_id, stored.object_repr, stored.changes) == (None, None, "Reception", ORIGINAL)


@pytest.fixture
def superuser_client(client, manager_user):
    assert manager_user.is_superuser
    client.force_login(manager_user)
    return client


def test_the_admin_refuses_add_change_and_delete_even_for_a_superuser(superuser_client, event):
    add = reverse("admin:audit_auditevent_add")
    change = reverse("admin:audit_auditevent_change", args=[event.pk])
    delete = reverse("admin:audit_auditevent_delete", args=[event.pk])

    assert superuser_client.get(add).status_code == 403
    assert superuser_client.post(add, {"actor_label": "x", "verb": "created", "object_type": "agent"}).status_code == 403
    assert superuser_client.post(change, {"actor_label": "mallory", "verb": "created"}).status_code == 403
    assert superuser_client.get(delete).status_code == 403
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 1 and unchanged(event)


def test_no_page_offers_a_way_to_change_an_event(superuser_client, event):
    trail = reverse("audit:trail")
    page = superuser_client.get(trail).content.decode()
    assert 'method="post"' not in page.split('<main class="page">')[1]  # only the log-out form is a POST

    for url in (trail, reverse("audit:trail_export", args=["csv"]), reverse("audit:trail_export", args=["json"])):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(superuser_client, method)(url, {"id": event.pk, "actor_label": "mallory"})
            assert response.status_code == 405, (method, url)
    assert unchanged(event)
