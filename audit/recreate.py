"""Re-create a purged agent from its deletion snapshot: agent, actions, follow-up settings.

HighLevel has no idempotency keys and nothing rolls back by itself, so every step looks before
it creates and its result is saved at once: a restore cut off half-way (a lost answer, a 5xx)
is simply run again and continues where it stopped, never creating a second agent or action.

The new agent has a new HighLevel id. It is written onto the SAME mirror row, so the agent keeps
its change history and its template link; its action rows are re-pointed at the new actions.
"""
from django.db import transaction
from django.utils import timezone

from agents.gateway import location_client
from agents.highlevel.errors import HighLevelError, NotFound
from agents.locks import location_write_lock
from agents.models import Action, Agent
from audit.models import AuditEvent, SoftDelete
from audit.remote_writes import CallLog, audit_remote_write, lock_owner, mirror_answer, still_in_status
from audit.services import record
from audit.snapshots import action_payload, agent_payload

# Stored as the re-created agent's id while its create is in flight.
CREATE_STARTED = "?"


def recreate_from_snapshot(request: SoftDelete, user) -> None:
    agent, snapshot = request.agent, request.snapshot
    calls = CallLog()
    about = {"object_type": "agent", "object_repr": agent.name[:300], "agent": agent, "location_id": agent.location_id}

    def audited(step: str, call, *args):
        try:
            result = call(*args)
        except HighLevelError as exc:
            audit_remote_write(calls, about, user=user, message=f"Re-creating from the snapshot failed at {step}: {exc.user_message}")
            raise
        audit_remote_write(calls, about, user=user, message=f"Re-created from the snapshot: {step}.")
        return result

    with location_write_lock(request.location_id, lock_owner(f"restore of deletion {request.pk}")):
        request.recreated_agent_id = still_in_status(request, SoftDelete.Status.PURGED).recreated_agent_id
        client = location_client(request.location, on_response=calls)
        new_id = _existing_recreated_agent(client, request)
        if new_id:
            answer = client.get_agent(new_id)
        else:
            # Marked before the POST: if its answer is lost, the next attempt knows to look first.
            SoftDelete.objects.filter(pk=request.pk).update(recreated_agent_id=CREATE_STARTED)
            answer = audited("agent", client.create_agent, agent_payload(snapshot))
            new_id = str(answer["id"])
            # Saved before anything else: a retry after a failure further on continues with it.
            SoftDelete.objects.filter(pk=request.pk).update(recreated_agent_id=new_id)
        about["object_id"] = new_id

        present = {(a.get("type"), a.get("name")): a for a in client.list_actions(new_id)}
        new_action_ids = {}  # snapshot action id -> new action id
        for action in snapshot["actions"]:
            existing = present.get((action["type"], action["name"]))
            created = existing or audited(f"action {action['name']}", client.create_action, new_id, action_payload(action))
            new_action_ids[action["id"]] = str(created["id"])

        followup = snapshot.get("followupSettings")
        if followup:
            ids = [new_action_ids[old] for old in followup["actionIds"] if old in new_action_ids]
            if ids:
                audited("follow-up settings", client.update_followup_settings, new_id,
                        {"actionIds": ids, "followupSettings": followup["followupSettings"]})

    with transaction.atomic():
        old_id = agent.hl_id
        # A sync running between the create and now mirrored the new agent as a stranger: this
        # row is the agent, with its history and template, so the stranger's row goes.
        Agent.objects.filter(location_id=agent.location_id, hl_id=new_id).exclude(pk=agent.pk).delete()
        agent.hl_id = new_id
        agent.followup_settings = followup["followupSettings"] if followup else agent.followup_settings
        agent.save(update_fields=["hl_id", "followup_settings"])
        mirror_answer(agent, answer, state=Agent.State.ACTIVE)
        for old_action_id, new_action_id in new_action_ids.items():
            Action.objects.filter(agent=agent, hl_id=old_action_id).update(hl_id=new_action_id, state=Action.State.ACTIVE)
        SoftDelete.objects.filter(pk=request.pk).update(
            status=SoftDelete.Status.RESTORED_AFTER_PURGE, restored_by=user, restored_at=timezone.now(), last_error="")
        record(AuditEvent.Verb.RESTORED, user=user, changes={"hl_id": [old_id, new_id]},
               message=f"Re-created from the deletion snapshot with {len(new_action_ids)} actions; "
                       f"new HighLevel id {new_id}.", **about)


def _existing_recreated_agent(client, request: SoftDelete) -> str:
    """The agent an earlier, interrupted restore created, if HighLevel still has it.

    When that earlier create's answer was lost, its id was never saved: look for an agent of
    the snapshot's name that the mirror does not know, before creating another.
    """
    if not request.recreated_agent_id:
        return ""
    if request.recreated_agent_id != CREATE_STARTED:
        try:
            client.get_agent(request.recreated_agent_id)
            return request.recreated_agent_id
        except NotFound:
            pass
    name = request.snapshot["agent"].get("name") or ""
    known = set(Agent.objects.filter(location_id=request.location_id).values_list("hl_id", flat=True))
    for remote in client.iter_agents(query=name.lower()):
        if remote.get("name") == name and str(remote.get("id")) not in known:
            return str(remote["id"])
    return ""
