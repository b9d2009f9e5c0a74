"""The audit log in the admin: visible, searchable, and changeable by nobody, superusers included."""
import pytest
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, manager_user):
    assert manager_user.is_superuser
    client.force_login(manager_user)
    return client


@pytest.fixture
def event():
    return AuditEvent.objects.create(
        actor_label="alice", verb=AuditEvent.Verb.UPDATED, object_type="agent", object_repr="Reception",
        changes={"mode": ["off", "auto-pilot"]},
    )


def test_changelist_lists_searches_and_filters(superuser_client, event):
    AuditEvent.objects.create(actor_label="sync", verb=AuditEvent.Verb.CREATED, object_type="agent", object_repr="Booking")
    url = reverse("admin:audit_auditevent_changelist")

    assert superuser_client.get(url).status_code == 200
    searched = superuser_client.get(url, {"q": "alice"})
    assert list(searched.context["cl"].result_list) == [event]
    by_object = superuser_client.get(url, {"q": "Booking"})
    assert [e.object_repr for e in by_object.context["cl"].result_list] == ["Booking"]
    by_verb = superuser_client.get(url, {"verb__exact": "created"})
    assert [e.verb for e in by_verb.context["cl"].result_list] == ["created"]
    assert superuser_client.get(url, {"at__gte": "2000-01-01 00:00:00+00:00"}).status_code == 200


def test_search_reads_the_newest_events_and_says_so(superuser_client, event, monkeypatch):
    from audit.admin import AuditEventAdmin

    monkeypatch.setattr(AuditEventAdmin, "search_window", 2)
    for n in range(2):
        AuditEvent.objects.create(actor_label="sync", verb=AuditEvent.Verb.CREATED, object_type="agent", object_repr=f"Later {n}")
    url = reverse("admin:audit_auditevent_changelist")
    assert list(superuser_client.get(url, {"q": "alice"}).context["cl"].result_list) == []  # older than the window
    assert len(superuser_client.get(url, {"q": "Later"}).context["cl"].result_list) == 2
    assert "newest 20,000 events" in superuser_client.get(url).content.decode()


def test_event_can_be_viewed_but_not_changed(superuser_client, event):
    url = reverse("admin:audit_auditevent_change", args=[event.pk])

    view = superuser_client.get(url)
    assert view.status_code == 200
    assert b'name="_save"' not in view.content
    assert superuser_client.post(url, {"actor_label": "mallory"}).status_code == 403
    event.refresh_from_db()
    assert event.actor_label == "alice"


def test_add_is_refused_even_for_a_superuser(superuser_client):
    assert superuser_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert superuser_client.post(reverse("admin:audit_auditevent_add"), {"actor_label": "x", "verb": "created"}).status_code == 403


def test_delete_is_refused_even_for_a_superuser(superuser_client, event):
    url = reverse("admin:audit_auditevent_delete", args=[event.pk])

    assert superuser_client.get(url).status_code == 403
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_no_bulk_delete_action(superuser_client, event):
    response = superuser_client.get(reverse("admin:audit_auditevent_changelist"))

    assert "delete_selected" not in response.content.decode()
    bulk = superuser_client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_soft_delete_requests_are_listed_read_only(superuser_client):
    assert superuser_client.get(reverse("admin:audit_softdelete_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:audit_softdelete_add")).status_code == 403
