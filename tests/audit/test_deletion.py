"""Soft delete → review → purge, and both restore paths, against the sandbox over real HTTP."""
from datetime import timedelta

import pytest

from agents.locks import location_write_lock
from agents.models import Action, Agent, AgentTemplate
from audit import deletion
from audit.models import AuditEvent, SoftDelete
from audit.tasks import purge_due_deletions
from tests.audit.deletion_fixtures import clock, fast_client, other_agent, reviewer, synced_agent  # noqa: F401

Status = SoftDelete.Status
Verb = AuditEvent.Verb


def _events(agent, verb):
    return list(AuditEvent.objects.filter(agent=agent, verb=verb).order_by("at", "id"))


def _request_one(agent, user, reason="Client cancelled their subscription"):
    [request] = deletion.request_deletion([agent], reason=reason, user=user)
    return request


def _approved(agent, manager_user, reviewer):
    request = _request_one(agent, manager_user)
    deletion.approve([request], user=reviewer)
    request.refresh_from_db()
    return request


# --- Soft delete ---------------------------------------------------------------------------------

def test_a_soft_delete_switches_the_agent_off_remotely_and_keeps_a_full_snapshot(hl_sandbox, synced_agent, manager_user):
    remote_before = dict(hl_sandbox.state.agents[synced_agent.hl_id])
    remote_actions = hl_sandbox.state.actions_of(synced_agent.hl_id)

    request = _request_one(synced_agent, manager_user)

    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "off"  # it stops answering
    synced_agent.refresh_from_db()
    assert (synced_agent.state, synced_agent.mode) == (Agent.State.PENDING_DELETION, "off")
    assert request.status == Status.PENDING and request.reason == "Client cancelled their subscription"
    assert request.requested_by == manager_user and request.requested_at is not None
    snapshot = request.snapshot
    assert snapshot["previousMode"] == "auto-pilot"
    assert snapshot["agent"]["mode"] == "auto-pilot"
    for name in ("name", "personality", "goal", "instructions", "channels", "autoPilotMaxMessages"):
        assert snapshot["agent"][name] == remote_before[name]
    assert {(a["id"], a["type"], a["name"]) for a in snapshot["actions"]} == {
        (a["id"], a["type"], a["name"]) for a in remote_actions}
    assert all(a["details"] for a in snapshot["actions"])
    followup = next(a for a in remote_actions if a["type"] == "advancedFollowup")
    assert snapshot["followupSettings"] == {"actionIds": [followup["id"]],
                                            "followupSettings": followup["details"]["followupSettings"]}

    [write] = _events(synced_agent, Verb.REMOTE_WRITE)
    assert (write.http_method, write.http_path, write.http_status) == ("PUT", f"/conversation-ai/agents/{synced_agent.hl_id}", 200)
    assert write.changes == {"mode": ["auto-pilot", "off"]} and write.actor == manager_user
    [soft_deleted] = _events(synced_agent, Verb.SOFT_DELETED)
    assert "Client cancelled their subscription" in soft_deleted.message


def test_a_reason_is_required(hl_sandbox, synced_agent, manager_user):
    writes = hl_sandbox.stats()["writes"]
    with pytest.raises(deletion.DeletionError, match="reason is required"):
        deletion.request_deletion([synced_agent], reason="   ", user=manager_user)
    assert not SoftDelete.objects.exists()
    assert hl_sandbox.stats()["writes"] == writes
    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "auto-pilot"


def test_a_failed_switch_off_says_why_and_leaves_no_deletion_record(hl_sandbox, synced_agent, manager_user):
    hl_sandbox.set_faults(error_rate=1.0)
    with pytest.raises(deletion.DeletionRequestFailed) as failed:
        _request_one(synced_agent, manager_user)
    assert failed.value.requests == []
    assert "HighLevel" in failed.value.failures[synced_agent]  # words, not a traceback
    assert not SoftDelete.objects.exists()
    synced_agent.refresh_from_db()
    assert synced_agent.state == Agent.State.ACTIVE
    assert not _events(synced_agent, Verb.SOFT_DELETED)


def test_an_agent_cannot_be_soft_deleted_twice(synced_agent, manager_user):
    _request_one(synced_agent, manager_user)
    with pytest.raises(deletion.DeletionRequestFailed, match="pending deletion"):
        _request_one(synced_agent, manager_user)
    assert SoftDelete.objects.count() == 1


def test_a_location_being_written_by_another_job_is_not_touched(hl_sandbox, synced_agent, manager_user):
    with location_write_lock(synced_agent.location_id, "rollout 7 target 3"):
        with pytest.raises(deletion.DeletionRequestFailed, match="rollout 7 target 3"):
            _request_one(synced_agent, manager_user)
    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "auto-pilot"


# --- Review -------------------------------------------------------------------------------------

def test_the_requester_cannot_approve_their_own_request(synced_agent, manager_user, reviewer):
    request = _request_one(synced_agent, manager_user)
    with pytest.raises(deletion.DeletionError, match="another person must approve"):
        deletion.approve([request], user=manager_user)
    request.refresh_from_db()
    assert request.status == Status.PENDING and request.purge_after is None

    deletion.approve([request], user=reviewer)
    request.refresh_from_db()
    assert (request.status, request.reviewed_by) == (Status.APPROVED, reviewer)


def test_without_four_eyes_the_requester_may_approve(settings, synced_agent, manager_user):
    settings.DELETION_FOUR_EYES = False
    request = _request_one(synced_agent, manager_user)
    deletion.approve([request], user=manager_user)
    request.refresh_from_db()
    assert request.status == Status.APPROVED


def test_approval_schedules_the_purge_for_the_end_of_the_retention_window(settings, clock, synced_agent, manager_user, reviewer):
    settings.DELETION_RETENTION_HOURS = 72
    request = _approved(synced_agent, manager_user, reviewer)
    assert request.purge_after == request.reviewed_at + timedelta(hours=72)
    [approved] = _events(synced_agent, Verb.APPROVED)
    assert approved.actor == reviewer and "purge scheduled" in approved.message


def test_rejecting_restores_the_agent_to_its_previous_mode(hl_sandbox, synced_agent, manager_user, reviewer):
    request = _request_one(synced_agent, manager_user)
    deletion.reject([request], user=reviewer)

    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "auto-pilot"
    request.refresh_from_db()
    synced_agent.refresh_from_db()
    assert (request.status, request.reviewed_by, request.restored_by) == (Status.REJECTED, reviewer, reviewer)
    assert (synced_agent.state, synced_agent.mode) == (Agent.State.ACTIVE, "auto-pilot")
    [restored] = _events(synced_agent, Verb.RESTORED)
    assert "rejected" in restored.message
    puts = [e for e in _events(synced_agent, Verb.REMOTE_WRITE) if e.http_method == "PUT"]
    assert [e.changes["mode"] for e in puts] == [["auto-pilot", "off"], ["off", "auto-pilot"]]
    # The agent can be asked for again later.
    assert _request_one(synced_agent, manager_user).status == Status.PENDING


def test_requests_made_together_are_reviewed_as_a_batch(hl_sandbox, synced_agent, other_agent, manager_user, reviewer):
    requests = deletion.request_deletion([synced_agent, other_agent], reason="Location closed", user=manager_user)
    assert len({r.batch_id for r in requests}) == 1

    with pytest.raises(deletion.DeletionError):
        deletion.approve(requests, user=manager_user)  # all or nothing: none approved
    assert set(SoftDelete.objects.values_list("status", flat=True)) == {Status.PENDING}

    deletion.approve(requests, user=reviewer)
    assert set(SoftDelete.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_one_failing_agent_does_not_stop_the_rest_of_a_batch(synced_agent, other_agent, manager_user):
    deletion.request_deletion([other_agent], reason="first", user=manager_user)
    with pytest.raises(deletion.DeletionRequestFailed) as failed:
        deletion.request_deletion([other_agent, synced_agent], reason="second", user=manager_user)
    assert [r.agent for r in failed.value.requests] == [synced_agent]
    assert list(failed.value.failures) == [other_agent]


# --- Purge --------------------------------------------------------------------------------------

def test_the_purge_waits_for_the_window_then_deletes_and_keeps_the_snapshot(hl_sandbox, clock, synced_agent, manager_user, reviewer):
    request = _approved(synced_agent, manager_user, reviewer)
    hl_id = synced_agent.hl_id

    clock.advance(hours=71)
    assert deletion.purge_due()["purged"] == 0
    assert hl_id in hl_sandbox.state.agents

    clock.advance(hours=2)
    assert purge_due_deletions().startswith("1 purged")

    assert hl_id not in hl_sandbox.state.agents
    assert not hl_sandbox.state.actions_of(hl_id)
    request.refresh_from_db()
    synced_agent.refresh_from_db()
    assert request.status == Status.PURGED and request.purge_attempts == 1
    assert request.snapshot["actions"]  # kept, to re-create from
    assert synced_agent.state == Agent.State.PURGED
    assert not synced_agent.actions.filter(state=Action.State.ACTIVE).exists()
    [delete] = [e for e in _events(synced_agent, Verb.REMOTE_WRITE) if e.http_method == "DELETE"]
    assert (delete.http_status, delete.actor_label) == (200, "purge job")
    assert _events(synced_agent, Verb.PURGED)


def test_a_failing_delete_is_retried_on_the_next_run_and_visible_meanwhile(hl_sandbox, clock, synced_agent, manager_user, reviewer):
    request = _approved(synced_agent, manager_user, reviewer)
    clock.advance(hours=73)

    hl_sandbox.set_faults(error_rate=1.0, error_status=503)
    assert deletion.purge_due() == {"purged": 0, "failed": 1, "busy": 0, "skipped": 0}
    request.refresh_from_db()
    assert request.status == Status.PURGE_FAILED and request.purge_attempts == 1
    assert request.last_error == "HighLevel had an internal problem (HTTP 503); try again later."
    [failed] = [e for e in _events(synced_agent, Verb.REMOTE_WRITE) if e.http_method == "DELETE"]
    assert failed.http_status == 503 and "will retry" in failed.message
    assert synced_agent.hl_id in hl_sandbox.state.agents

    hl_sandbox.set_faults(error_rate=0.0)
    clock.advance(minutes=5)
    assert deletion.purge_due()["purged"] == 1
    request.refresh_from_db()
    assert (request.status, request.purge_attempts, request.last_error) == (Status.PURGED, 2, "")
    assert synced_agent.hl_id not in hl_sandbox.state.agents


def test_an_agent_already_gone_from_highlevel_counts_as_purged(hl_sandbox, clock, synced_agent, manager_user, reviewer):
    request = _approved(synced_agent, manager_user, reviewer)
    del hl_sandbox.state.agents[synced_agent.hl_id]  # someone deleted it in HighLevel meanwhile
    clock.advance(hours=73)
    assert deletion.purge_due()["purged"] == 1
    request.refresh_from_db()
    assert request.status == Status.PURGED


def test_the_purge_job_is_scheduled(db):
    from django_q.models import Schedule

    from agents.schedules import PURGE_DELETIONS, ensure_schedules

    ensure_schedules()
    schedule = Schedule.objects.get(name=PURGE_DELETIONS)
    assert (schedule.func, schedule.minutes, schedule.repeats) == ("audit.tasks.purge_due_deletions", 5, -1)


# --- Restore ------------------------------------------------------------------------------------

def test_an_approved_agent_can_be_restored_before_the_purge(hl_sandbox, clock, synced_agent, manager_user, reviewer):
    request = _approved(synced_agent, manager_user, reviewer)
    deletion.restore(request, user=manager_user)
    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] == "auto-pilot"
    clock.advance(hours=100)
    assert deletion.purge_due()["purged"] == 0  # nothing left to purge
    assert synced_agent.hl_id in hl_sandbox.state.agents
    request.refresh_from_db()
    assert request.status == Status.REJECTED and request.restored_by == manager_user


def test_a_purged_agent_is_recreated_from_its_snapshot_on_the_same_row(hl_sandbox, clock, synced_agent, manager_user, reviewer):
    template = AgentTemplate.objects.create(name="Front desk", agent_name=synced_agent.name,
                                            personality="p", goal="g", instructions="i")
    Agent.objects.filter(pk=synced_agent.pk).update(template=template, template_version=3)
    old_id = synced_agent.hl_id
    remote_before = dict(hl_sandbox.state.agents[old_id])
    request = _approved(synced_agent, manager_user, reviewer)
    history_before = AuditEvent.objects.filter(agent=synced_agent).count()
    clock.advance(hours=73)
    deletion.purge_due()

    request = deletion.restore(request, user=reviewer)

    assert request.status == Status.RESTORED_AFTER_PURGE
    synced_agent.refresh_from_db()
    new_id = synced_agent.hl_id
    assert new_id != old_id and new_id == request.recreated_agent_id
    assert (synced_agent.state, synced_agent.template, synced_agent.template_version) == (Agent.State.ACTIVE, template, 3)
    remote = hl_sandbox.state.agents[new_id]
    for name in ("name", "mode", "personality", "goal", "instructions", "channels", "autoPilotMaxMessages", "waitTime"):
        assert remote[name] == remote_before[name], name
    assert remote["mode"] == "auto-pilot"
    recreated = hl_sandbox.state.actions_of(new_id)
    assert sorted((a["type"], a["name"]) for a in recreated) == sorted(
        (a["type"], a["name"]) for a in request.snapshot["actions"])
    followup = next(a for a in recreated if a["type"] == "advancedFollowup")
    assert hl_sandbox.state.followup_settings[new_id] == request.snapshot["followupSettings"]["followupSettings"]
    assert followup["details"]["followupSettings"] == request.snapshot["followupSettings"]["followupSettings"]
    # The mirror's action rows now point at the new actions; the history is still the agent's.
    assert set(synced_agent.actions.filter(state=Action.State.ACTIVE).values_list("hl_id", flat=True)) == {
        a["id"] for a in recreated}
    assert AuditEvent.objects.filter(agent=synced_agent).count() > history_before
    [restored] = _events(synced_agent, Verb.RESTORED)
    assert restored.changes == {"hl_id": [old_id, new_id]} and restored.actor == reviewer


def test_a_recreate_cut_off_half_way_continues_without_duplicates(hl_sandbox, clock, synced_agent, manager_user, reviewer, monkeypatch):
    from agents.highlevel import client as client_module
    from agents.highlevel.errors import ServerError

    request = _approved(synced_agent, manager_user, reviewer)
    clock.advance(hours=73)
    deletion.purge_due()
    real_create_action = client_module.HighLevelClient.create_action
    calls = {"n": 0}

    def flaky_create_action(self, agent_id, payload):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ServerError(method="POST", path="/conversation-ai/agents/x/actions", status=502, messages=["Bad gateway"])
        return real_create_action(self, agent_id, payload)

    monkeypatch.setattr(client_module.HighLevelClient, "create_action", flaky_create_action)
    with pytest.raises(deletion.DeletionError, match="HighLevel"):
        deletion.restore(request, user=reviewer)
    request.refresh_from_db()
    assert request.status == Status.PURGED and request.last_error and request.recreated_agent_id

    deletion.restore(request, user=reviewer)
    same_name = [a for a in hl_sandbox.state.agents.values() if a["name"] == synced_agent.name]
    assert len(same_name) == 1
    recreated = hl_sandbox.state.actions_of(same_name[0]["id"])
    assert len(recreated) == len(request.snapshot["actions"])


def test_a_rejected_request_has_nothing_to_restore(synced_agent, manager_user, reviewer):
    request = _request_one(synced_agent, manager_user)
    deletion.reject([request], user=reviewer)
    with pytest.raises(deletion.DeletionError, match="nothing to restore"):
        deletion.restore(request, user=reviewer)



@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_deleting_the_same_agent_at_once_make_one_request(hl_sandbox, synced_agent, manager_user, reviewer):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    outcomes, start = [], threading.Barrier(2)

    def delete_as(user):
        start.wait()
        try:
            outcomes.append(deletion.request_deletion([synced_agent], reason=f"by {user}", user=user))
        except deletion.DeletionRequestFailed as failed:
            outcomes.append(failed.failures[synced_agent])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=delete_as, args=(user,)) for user in (manager_user, reviewer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert SoftDelete.objects.count() == 1
    refused = [o for o in outcomes if isinstance(o, str)]
    assert len(refused) == 1 and ("Another job" in refused[0] or "pending deletion" in refused[0])
    assert len(_events(synced_agent, Verb.SOFT_DELETED)) == 1
