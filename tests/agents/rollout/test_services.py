"""Canary, cancel, retry, unplannable targets and bulk updates, through the services the pages call."""
import pytest
from django.core.exceptions import ValidationError

from agents.models import Agent, Location, Rollout, RolloutTarget
from agents.rollout import services
from agents.rollout.selectors import rollout_progress
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)
S, T = Rollout.Status, RolloutTarget.Status


def statuses(rollout):
    return list(rollout.targets.order_by("position").values_list("status", flat=True))


def test_canary_pauses_after_the_first_n_then_continues(template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = services.create_rollout(template, rollout_locations, user=manager_user, strategy="canary",
                                      canary_size=2, plan_inline=True)
    assert services.confirm_rollout(rollout, user=manager_user) == 2
    assert rollout.status == S.PAUSED
    assert statuses(rollout) == [T.SUCCEEDED, T.SUCCEEDED, T.PLANNED, T.PLANNED, T.PLANNED]
    assert services.continue_rollout(rollout, user=manager_user) == 3
    assert rollout.status == S.FINISHED and rollout.finished_at
    assert rollout_progress(rollout)["percent"] == 100


def test_aborting_after_the_canary_skips_the_rest(template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = services.create_rollout(template, rollout_locations, user=manager_user, strategy="canary",
                                      canary_size=1, plan_inline=True)
    services.confirm_rollout(rollout, user=manager_user)
    services.cancel_rollout(rollout, user=manager_user)
    assert rollout.status == S.CANCELLED and "manager" in rollout.status_note
    assert statuses(rollout) == [T.SUCCEEDED] + [T.SKIPPED] * 4
    assert hl_sandbox.stats()["writes"] == 7  # only the canary was written
    with pytest.raises(ValidationError):
        services.continue_rollout(rollout, user=manager_user)


def test_cancel_before_confirming_writes_nothing(template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = services.create_rollout(template, rollout_locations, user=manager_user, plan_inline=True)
    assert services.cancel_rollout(rollout, user=manager_user) == 5
    with pytest.raises(ValidationError):
        services.confirm_rollout(rollout, user=manager_user)
    assert hl_sandbox.stats()["writes"] == 0


def test_a_variable_without_value_makes_the_target_unplannable_with_the_reason(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    gap = rollout_locations[0]
    gap.variables = {"workflow_id": "wf"}
    gap.save()
    rollout = services.create_rollout(template, rollout_locations, user=manager_user, plan_inline=True)
    target = rollout.targets.get(location=gap)
    assert target.status == T.UNPLANNABLE and "vars.calendar_id" in target.error
    assert rollout_progress(rollout)["outcomes"] == {"create": 4, "adopt": 0, "update": 0, "unchanged": 0, "unplannable": 1}
    services.confirm_rollout(rollout, user=manager_user)
    assert rollout.status == S.FINISHED
    target.refresh_from_db()
    assert target.status == T.UNPLANNABLE


def test_a_location_whose_stored_variables_are_not_an_object_is_unplannable_in_words(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    legacy = rollout_locations[0]
    Location.objects.filter(pk=legacy.pk).update(variables=["calendar_id", "cal-1"])  # saved before the admin checked
    legacy.refresh_from_db()
    rollout = services.create_rollout(template, rollout_locations, user=manager_user, plan_inline=True)
    target = rollout.targets.get(location=legacy)
    assert target.status == T.UNPLANNABLE and "are a list, not names and values" in target.error
    assert rollout.targets.exclude(location=legacy).filter(status=T.PLANNED).count() == len(rollout_locations) - 1


def test_retry_one_or_all_failed_targets(template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch):
    from agents.highlevel.client import HighLevelClient
    from agents.highlevel.errors import ValidationError as Rejected

    real = HighLevelClient.create_agent
    monkeypatch.setattr(HighLevelClient, "create_agent",
                        lambda self, payload: (_ for _ in ()).throw(Rejected(method="POST", path="/x", status=422, messages=["nope"])))
    rollout = services.create_rollout(template, rollout_locations[:3], user=manager_user, plan_inline=True)
    services.confirm_rollout(rollout, user=manager_user)
    assert rollout.status == S.FAILED and statuses(rollout) == [T.FAILED] * 3
    assert "nope" in rollout.targets.first().error

    monkeypatch.setattr(HighLevelClient, "create_agent", real)
    first = rollout.targets.order_by("position").first()
    assert services.retry_targets(rollout, [first.pk], user=manager_user) == 1
    assert statuses(rollout) == [T.SUCCEEDED, T.FAILED, T.FAILED]
    assert rollout.status == S.FAILED
    assert services.retry_targets(rollout, user=manager_user) == 2
    assert rollout.status == S.FINISHED and statuses(rollout) == [T.SUCCEEDED] * 3
    assert AuditEvent.objects.filter(rollout=rollout, verb="rollout", message__startswith="Retry").count() == 2


def test_planning_runs_as_tasks(template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = services.create_rollout(template, rollout_locations[:2], user=manager_user)
    rollout.refresh_from_db()
    assert rollout.status == S.PLANNED and statuses(rollout) == [T.PLANNED, T.PLANNED]


def test_bulk_update_sets_chosen_fields_on_chosen_agents(rollout_locations, tasks_inline, hl_sandbox, manager_user):
    from agents.sync import sync_location

    for location in rollout_locations[:2]:
        sync_location(location)
    agents = list(Agent.objects.filter(location__in=rollout_locations[:2]))
    rollout = services.create_bulk_update(agents, {"mode": "auto-pilot", "wait_time": 10}, user=manager_user,
                                          plan_inline=True)
    assert rollout.kind == Rollout.Kind.BULK_UPDATE and rollout.changes == {"mode": "auto-pilot", "wait_time": 10}
    services.confirm_rollout(rollout, user=manager_user)
    assert rollout.status == S.FINISHED
    for agent in agents:
        remote = hl_sandbox.state.agents[agent.hl_id]
        assert remote["mode"] == "auto-pilot" and remote["waitTime"] == 10
        agent.refresh_from_db()
        assert agent.mode == "auto-pilot"  # the mirror follows without a sync
    writes = AuditEvent.objects.filter(rollout=rollout, verb="remote_write")
    assert writes.count() == hl_sandbox.stats()["writes"] <= len(agents)


def test_bulk_update_refuses_bad_values_in_words(rollout_locations, manager_user):
    with pytest.raises(ValidationError) as caught:
        services.create_bulk_update([], {"wait_time": 999}, user=manager_user)
    with pytest.raises(ValidationError) as caught:
        services.bulk_changes_to_api({"waitTime": 999, "isPrimary": True})
    assert "isPrimary cannot be set by a bulk update." in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        services.bulk_changes_to_api({"waitTime": 999})
    assert "waitTime must not be greater than 300 when waitTimeUnit is seconds" in caught.value.messages


def test_passing_planning_failures_are_tried_again_then_marked_for_a_retry_not_unplannable(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch):
    from agents.highlevel.errors import ServerError
    from agents.rollout import planner

    real = planner.plan_target
    calls = []

    def flaky(client, location, desired, **kwargs):
        calls.append(location.pk)
        if location.pk == rollout_locations[0].pk:
            raise ServerError(method="GET", path="/conversation-ai/agents/search", status=502, messages=["Bad Gateway"])
        if calls.count(location.pk) == 1:  # the second location fails once, then plans
            raise ServerError(method="GET", path="/conversation-ai/agents/search", status=503, messages=["Unavailable"])
        return real(client, location, desired, **kwargs)

    monkeypatch.setattr(planner, "plan_target", flaky)
    rollout = services.create_rollout(template, rollout_locations[:2], user=manager_user, plan_inline=True)
    first = rollout.targets.get(location=rollout_locations[0])
    second = rollout.targets.get(location=rollout_locations[1])
    assert rollout.status == S.PLANNED
    assert second.status == T.PLANNED and second.outcome == "create"
    assert first.status == T.FAILED and first.outcome == "" and first.error.startswith("Could not be planned yet")
    assert calls.count(rollout_locations[0].pk) == 3  # tried again automatically, with backoff

    monkeypatch.setattr(planner, "plan_target", real)
    assert services.retry_targets(rollout, [first.pk], user=manager_user) == 1
    first.refresh_from_db()
    rollout.refresh_from_db()
    assert first.status == T.PLANNED and first.outcome == "create" and rollout.status == S.PLANNED
    assert hl_sandbox.stats()["writes"] == 0  # planning again writes nothing: the manager still confirms
