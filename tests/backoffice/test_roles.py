"""The three roles exist after migrate with exactly the permissions the README promises."""
import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from agents.models import Location
from tests.backoffice.role_fixtures import make_role_user, url_objects  # noqa: F401

pytestmark = pytest.mark.django_db


def perms_of(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def every_view_permission():
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=["agents", "audit", "install"],
                                           codename__startswith="view_")
    }


def test_viewer_reads_everything_and_changes_nothing():
    assert perms_of("Viewer") == every_view_permission()
    assert {"agents.view_location", "agents.view_agent", "audit.view_auditevent", "audit.view_softdelete"} <= perms_of("Viewer")


def test_manager_changes_syncs_rolls_out_and_asks_for_deletions_but_never_approves_them():
    manager = perms_of("Manager")
    assert every_view_permission() <= manager
    assert {
        "agents.add_location", "agents.change_location", "agents.sync_location",
        "agents.add_agencyconnection", "agents.change_agencyconnection",
        "agents.add_agenttemplate", "agents.change_agenttemplate", "agents.add_actiontemplate",
        "agents.change_actiontemplate", "agents.run_rollout",
        "audit.request_deletion", "audit.fetch_generation", "audit.export_auditevent",
    } <= manager
    assert "audit.approve_deletion" not in manager
    assert "audit.restore_agent" not in manager
    assert not {p for p in manager if p.split(".")[1].startswith("delete_") and p != "agents.delete_actiontemplate"}


def test_approver_reviews_deletions_and_changes_nothing_else():
    approver = perms_of("Approver")
    assert approver == every_view_permission() | {"audit.approve_deletion", "audit.restore_agent", "audit.export_auditevent"}
    assert "audit.request_deletion" not in approver


def test_no_role_both_asks_for_and_approves_a_deletion():
    for name in ("Viewer", "Manager", "Approver"):
        assert not {"audit.request_deletion", "audit.approve_deletion"} <= perms_of(name)


def test_a_viewer_sees_the_locations_but_no_sync_button(django_user_model):
    Location.objects.create(hl_id="loc-1", name="Bright Smiles", pit="pit-secret-value")
    client = Client()
    client.force_login(make_role_user(django_user_model, "viewer"))
    page = client.get("/locations/")
    assert page.status_code == 200
    assert b"Bright Smiles" in page.content
    assert b"Sync now" not in page.content and b"Sync selected" not in page.content

    client.force_login(make_role_user(django_user_model, "manager"))
    assert b"Sync now" in client.get("/locations/").content


def test_a_refused_page_says_so_in_words(django_user_model):
    client = Client()
    client.force_login(make_role_user(django_user_model, "viewer"))
    page = client.get("/bulk-update/")
    assert page.status_code == 403
    assert b"Your role does not allow this" in page.content


def admin_actions(client, url):
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["action_form"] if "action_form" in page.context else None
    return {value for value, _label in form.fields["action"].choices if value} if form else set()


@pytest.mark.parametrize(("role", "location_actions", "agent_actions"), [
    ("viewer", set(), set()),
    ("approver", set(), set()),
    ("manager", {"sync_selected", "roll_out_template_action"}, {"request_deletion_action", "bulk_update_action"}),
    ("superuser", {"sync_selected", "roll_out_template_action", "delete_selected"},
     {"request_deletion_action", "bulk_update_action"}),
])
def test_admin_offers_only_the_actions_the_role_allows(role, location_actions, agent_actions, django_user_model):
    from agents.models import Agent

    location = Location.objects.create(hl_id="loc-1", name="Bright Smiles")
    Agent.objects.create(location=location, hl_id="agent-1", name="Reception")
    client = Client()
    client.force_login(make_role_user(django_user_model, role))
    assert admin_actions(client, "/admin/agents/location/") == location_actions
    assert admin_actions(client, "/admin/agents/agent/") == agent_actions


def test_an_admin_action_posted_by_a_viewer_does_not_run(django_user_model, monkeypatch):
    from agents import sync

    queued = []
    monkeypatch.setattr(sync, "enqueue_sync", lambda ids, user=None: queued.extend(ids) or len(ids))
    location = Location.objects.create(hl_id="loc-1", name="Bright Smiles", pit="pit-secret-value")
    client = Client()
    client.force_login(make_role_user(django_user_model, "viewer"))
    client.post("/admin/agents/location/", {"action": "sync_selected", "_selected_action": [location.pk]})
    assert queued == []


@pytest.mark.parametrize(("role", "sees_review_buttons"), [("viewer", False), ("manager", False), ("approver", True)])
def test_only_an_approver_gets_the_review_buttons(role, sees_review_buttons, url_objects, django_user_model):  # noqa: F811
    client = Client()
    client.force_login(make_role_user(django_user_model, role))
    page = client.get("/audit/deletions/").content.decode()
    assert "Night desk" in page  # everyone sees what waits for review
    assert ('action="/audit/deletions/' in page) is sees_review_buttons
    assert ("An approver decides" in page) is not sees_review_buttons
