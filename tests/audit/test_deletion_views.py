"""The review-before-delete pages: Delete… form, Pending deletions, approve / reject / restore."""
import uuid

import pytest
from django.urls import reverse

from agents.models import Agent
from audit import deletion
from audit.models import AuditEvent, SoftDelete
from tests.audit.deletion_fixtures import clock, fast_client, other_agent, reviewer, synced_agent  # noqa: F401

Status = SoftDelete.Status


@pytest.fixture
def as_manager(client, manager_user):
    client.force_login(manager_user)
    return client


def _request(agent, user, reason="Duplicate of the front desk agent"):
    [request] = deletion.request_deletion([agent], reason=reason, user=user)
    return request


def test_the_agent_page_offers_delete_and_the_form_asks_for_a_reason(as_manager, synced_agent):
    page = as_manager.get(reverse("agents:agent_detail", args=[synced_agent.pk])).content.decode()
    assert reverse("audit:agent_delete", args=[synced_agent.pk]) in page

    form = as_manager.get(reverse("audit:agent_delete", args=[synced_agent.pk]))
    assert form.status_code == 200
    assert "Reason" in form.content.decode() and "72 hours" in form.content.decode()


def test_a_deletion_without_a_reason_is_refused_with_a_form_error(as_manager, hl_sandbox, synced_agent):
    response = as_manager.post(reverse("audit:agent_delete", args=[synced_agent.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why this agent should be deleted" in response.content.decode()
    assert not SoftDelete.objects.exists()
    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "auto-pilot"


def test_requesting_a_deletion_switches_the_agent_off_and_goes_back_to_the_agent(as_manager, hl_sandbox, synced_agent):
    response = as_manager.post(reverse("audit:agent_delete", args=[synced_agent.pk]), {"reason": "Client left"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("agents:agent_detail", args=[synced_agent.pk])
    assert "waiting for review" in page and "Pending deletion" in page
    assert reverse("audit:agent_restore", args=[synced_agent.pk]) in page  # Restore offered instead of Delete…
    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "off"
    assert SoftDelete.objects.get().reason == "Client left"


def test_a_failed_request_shows_highlevels_answer_in_words(as_manager, hl_sandbox, synced_agent):
    hl_sandbox.set_faults(error_rate=1.0)
    response = as_manager.post(reverse("audit:agent_delete", args=[synced_agent.pk]), {"reason": "Client left"})
    assert response.status_code == 400
    assert "HighLevel had an internal problem" in response.content.decode()
    assert not SoftDelete.objects.exists()


def test_the_pending_page_shows_reason_requester_and_the_agents_trail(client, synced_agent, manager_user, reviewer):
    request = _request(synced_agent, manager_user)
    client.force_login(reviewer)
    page = client.get(reverse("audit:deletion_list")).content.decode()
    assert "Duplicate of the front desk agent" in page
    assert "requested by <strong>manager</strong>" in page
    assert "Audit trail of" in page
    assert f"PUT /conversation-ai/agents/{synced_agent.hl_id}" in page  # the switch-off, in the trail
    assert "First seen by sync." in page  # older history too
    assert reverse("audit:deletion_approve", args=[request.pk]) in page


def test_the_requester_sees_approve_disabled_and_a_forced_post_is_refused(as_manager, synced_agent, manager_user):
    request = _request(synced_agent, manager_user)
    page = as_manager.get(reverse("audit:deletion_list")).content.decode()
    assert reverse("audit:deletion_approve", args=[request.pk]) not in page
    assert "another manager must approve it" in page

    response = as_manager.post(reverse("audit:deletion_approve", args=[request.pk]), follow=True)
    assert "another person must approve" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.PENDING


def test_a_reviewer_approves_and_the_purge_date_is_shown(client, synced_agent, manager_user, reviewer):
    request = _request(synced_agent, manager_user)
    client.force_login(reviewer)
    response = client.post(reverse("audit:deletion_approve", args=[request.pk]), follow=True)
    page = response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert "The purge is scheduled for" in page
    assert f"{request.purge_after:%Y-%m-%d %H:%M}" in page
    assert reverse("audit:deletion_restore", args=[request.pk]) in page


def test_rejecting_restores_the_agent(client, hl_sandbox, synced_agent, manager_user, reviewer):
    request = _request(synced_agent, manager_user)
    client.force_login(reviewer)
    response = client.post(reverse("audit:deletion_reject", args=[request.pk]), follow=True)
    assert "restored to the previous mode" in response.content.decode()
    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "auto-pilot"
    assert Agent.objects.get(pk=synced_agent.pk).state == Agent.State.ACTIVE


def test_a_batch_is_approved_in_one_click(client, synced_agent, other_agent, manager_user, reviewer):
    requests = deletion.request_deletion([synced_agent, other_agent], reason="Location closed", user=manager_user)
    client.force_login(reviewer)
    page = client.get(reverse("audit:deletion_list")).content.decode()
    assert "Approve all 2" in page
    client.post(reverse("audit:batch_approve", args=[requests[0].batch_id]))
    assert set(SoftDelete.objects.values_list("status", flat=True)) == {Status.APPROVED}


def _copies_in_the_same_batch(request, count):
    """More pending requests of the batch, without asking HighLevel once per agent."""
    fields = {f.attname: getattr(request, f.attname) for f in SoftDelete._meta.concrete_fields if not f.primary_key}
    # Without an agent row (one open request per agent): enough to show, count and approve.
    SoftDelete.objects.bulk_create([SoftDelete(**{**fields, "agent_id": None, "agent_name": f"Copy {n}"})
                                    for n in range(count)])


def test_a_big_batch_is_reviewed_a_page_at_a_time_and_approved_whole(client, synced_agent, manager_user, reviewer):
    request = _request(synced_agent, manager_user)
    _copies_in_the_same_batch(request, 24)
    client.force_login(reviewer)
    page = client.get(reverse("audit:deletion_list")).content.decode()
    assert "25 agents" in page and "(20 on this page)" in page
    assert "Approve all 25" in page
    assert page.count('class="deletion-trail"') == 20  # every request on the page shows its agent's trail
    assert "Page 1 of 2" in page
    second = client.get(reverse("audit:deletion_list") + "?page=2").content.decode()
    assert "(5 on this page)" in second and "Copy 23" in second
    client.post(reverse("audit:batch_approve", args=[request.batch_id]))
    assert set(SoftDelete.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_a_batch_is_rejected_in_one_click(client, hl_sandbox, synced_agent, other_agent, manager_user, reviewer):
    requests = deletion.request_deletion([synced_agent, other_agent], reason="Location closed", user=manager_user)
    client.force_login(reviewer)
    client.post(reverse("audit:batch_reject", args=[requests[0].batch_id]))
    assert set(SoftDelete.objects.values_list("status", flat=True)) == {Status.REJECTED}


def test_a_failed_purge_is_visible_with_its_error_and_attempts(client, hl_sandbox, clock, synced_agent, manager_user, reviewer):
    request = _request(synced_agent, manager_user)
    deletion.approve([request], user=reviewer)
    clock.advance(hours=73)
    hl_sandbox.set_faults(error_rate=1.0)
    deletion.purge_due()
    client.force_login(reviewer)
    page = client.get(reverse("audit:deletion_list")).content.decode()
    assert "Purge failed, will retry" in page
    assert "HighLevel had an internal problem (HTTP 500)" in page
    assert "1 attempt" in page


def test_a_purged_agent_is_recreated_from_the_agent_page(as_manager, hl_sandbox, clock, synced_agent, manager_user, reviewer):
    request = _request(synced_agent, manager_user)
    deletion.approve([request], user=reviewer)
    clock.advance(hours=73)
    deletion.purge_due()
    page = as_manager.get(reverse("agents:agent_detail", args=[synced_agent.pk])).content.decode()
    assert "Re-create from snapshot" in page

    response = as_manager.post(reverse("audit:agent_restore", args=[synced_agent.pk]), follow=True)
    assert "re-created in HighLevel from its snapshot" in response.content.decode()
    synced_agent.refresh_from_db()
    assert synced_agent.state == Agent.State.ACTIVE and synced_agent.hl_id in hl_sandbox.state.agents


def test_unknown_ids_and_wrong_methods_are_4xx_not_500(as_manager, synced_agent):
    assert as_manager.post(reverse("audit:deletion_approve", args=[999])).status_code == 404
    assert as_manager.post(reverse("audit:batch_approve", args=[uuid.uuid4()])).status_code == 404
    assert as_manager.post(reverse("audit:agent_restore", args=[synced_agent.pk])).status_code == 404
    assert as_manager.get(reverse("audit:deletion_approve", args=[1])).status_code == 405
    assert as_manager.get(reverse("audit:agent_delete", args=[999])).status_code == 404


@pytest.mark.parametrize("request_id", ["9223372036854775808", "9" * 19, "9" * 20, "9" * 400])
@pytest.mark.parametrize("name", ["deletion_approve", "deletion_reject", "deletion_restore", "agent_restore", "agent_delete"])
def test_ids_past_64_bits_are_404_not_an_overflow(as_manager, db, name, request_id):
    # The <int:> converter let them through to `pk__in=[...]`, where SQLite raised OverflowError.
    url = reverse(f"audit:{name}", args=[1]).replace("/1/", f"/{request_id}/")
    assert as_manager.post(url, {"reason": "Gone"}).status_code == 404
    assert not SoftDelete.objects.exists()


def test_the_pages_need_a_login(client, db):
    response = client.get(reverse("audit:deletion_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_pending_page_query_count_does_not_grow_with_requests(client, django_assert_max_num_queries, synced_agent,
                                                                   other_agent, manager_user, reviewer):
    [request, _] = deletion.request_deletion([synced_agent, other_agent], reason="Location closed", user=manager_user)
    _copies_in_the_same_batch(request, 30)
    client.force_login(reviewer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("audit:deletion_list")).status_code == 200
    assert AuditEvent.objects.exists()
