"""Apply against the sandbox, faults on: one agent per location, every write audited, reruns write nothing."""
import pytest

from agents.highlevel.client import HighLevelClient
from agents.highlevel.errors import ServerError
from agents.models import Agent, Rollout, RolloutTarget
from agents.rollout import services
from agents.rollout.apply import apply_target
from agents.rollout.selectors import rollout_progress
from audit.models import AuditEvent

from .conftest import drain_waiting_targets

pytestmark = pytest.mark.django_db(transaction=True)
AGENT_NAME = "{} Concierge"


def roll_out(template, locations, user):
    rollout = services.create_rollout(template, locations, user=user, plan_inline=True)
    services.confirm_rollout(rollout, user=user)
    rollout.refresh_from_db()
    return rollout


def remote_agents_named(hl_sandbox, location):
    return [a for a in hl_sandbox.state.agents_in(location.hl_id) if a["name"] == AGENT_NAME.format(location.name)]


def write_requests_received(hl_sandbox) -> int:
    by_method = hl_sandbox.stats()["by_method"]
    return sum(by_method.get(method, 0) for method in ("POST", "PUT", "PATCH", "DELETE"))


def assert_converged(hl_sandbox, locations):
    for location in locations:
        (agent,) = remote_agents_named(hl_sandbox, location)  # exactly one, never a duplicate
        actions = hl_sandbox.state.actions_of(agent["id"])
        assert sorted(a["type"] for a in actions) == sorted(
            ["triggerWorkflow", "updateContactField", "appointmentBooking", "stopBot", "advancedFollowup"])
        followup = next(a for a in actions if a["type"] == "advancedFollowup")
        assert followup["details"]["followupSettings"]["dynamicChannelSwitching"] is True
        mirrored = Agent.objects.get(location=location, hl_id=agent["id"])
        assert mirrored.template_id and not mirrored.drifted and mirrored.actions.filter(state="active").count() == 5


def test_a_clean_rollout_creates_one_agent_per_location_and_audits_each_write(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = roll_out(template, rollout_locations, manager_user)
    assert rollout.status == Rollout.Status.FINISHED
    assert_converged(hl_sandbox, rollout_locations)
    writes = AuditEvent.objects.filter(verb=AuditEvent.Verb.REMOTE_WRITE, rollout=rollout)
    assert writes.count() == hl_sandbox.stats()["writes"] == 5 * 7
    create = writes.filter(http_method="POST", http_path="/conversation-ai/agents").first()
    assert create.http_status == 201 and create.duration_ms is not None and create.actor == manager_user
    progress = rollout_progress(rollout)
    assert progress["percent"] == 100 and progress["steps_done"] == progress["steps_total"] == 35


def test_faults_5xx_429_and_dropped_create_answers_still_converge(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    hl_sandbox.set_faults(error_rate=0.15, rate_limit_burst=1, drop_create_rate=0.3)
    rollout = roll_out(template, rollout_locations, manager_user)
    drain_waiting_targets()  # lost create answers wait, then a fresh read adopts what landed
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.FINISHED, list(rollout.targets.values_list("status", "error", "done_log"))
    assert_converged(hl_sandbox, rollout_locations)
    # Every write attempt that reached the service is audited once, with its answer (None: lost).
    events = AuditEvent.objects.filter(verb=AuditEvent.Verb.REMOTE_WRITE)
    assert events.count() == write_requests_received(hl_sandbox)
    applied = events.filter(http_status__lt=400).count() + events.filter(http_status__isnull=True).count()
    assert applied == hl_sandbox.stats()["writes"]  # a dropped answer is a create that happened
    assert rollout_progress(rollout)["retries"] > 0

    hl_sandbox.set_faults(error_rate=0, drop_create_rate=0)
    before = hl_sandbox.stats()["writes"]
    again = roll_out(template, rollout_locations, manager_user)
    assert again.status == Rollout.Status.FINISHED
    assert hl_sandbox.stats()["writes"] == before  # the same rollout again changes nothing
    assert set(again.targets.values_list("status", flat=True)) == {RolloutTarget.Status.UNCHANGED}


def test_timeouts_do_not_duplicate_agents(template, rollout_locations, tasks_inline, hl_sandbox, manager_user, settings):
    settings.HIGHLEVEL_TIMEOUT = 0.3
    settings.ROLLOUT_LOST_ANSWER_WAIT_SECONDS = 0.6  # longer than the hang: the late create has landed
    hl_sandbox.set_faults(timeout_rate=0.15, timeout_seconds=0.4)
    roll_out(template, rollout_locations[:3], manager_user)
    drain_waiting_targets()
    hl_sandbox.set_faults(timeout_rate=0)
    assert_converged(hl_sandbox, rollout_locations[:3])


def test_a_target_failing_half_way_says_what_is_left_and_a_retry_finishes_it(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch, settings):
    settings.ROLLOUT_MAX_ATTEMPTS = 1  # no automatic second try: the manager retries
    real = HighLevelClient.update_followup_settings

    def failing(self, agent_id, payload):
        raise ServerError(method="PATCH", path="/conversation-ai/agents/x/followup-settings", status=503,
                          messages=["Service Unavailable"])

    monkeypatch.setattr(HighLevelClient, "update_followup_settings", failing)
    rollout = roll_out(template, rollout_locations[:1], manager_user)
    target = rollout.targets.get()
    assert rollout.status == Rollout.Status.FAILED
    assert target.status == RolloutTarget.Status.FAILED
    assert target.steps_done == 6 and target.remaining == ["Set the follow-up settings"]
    assert target.error.startswith("Set the follow-up settings: ") and "HTTP 503" in target.error
    assert len(target.done_log) == 6

    monkeypatch.setattr(HighLevelClient, "update_followup_settings", real)
    writes_before = hl_sandbox.stats()["writes"]
    assert services.retry_targets(rollout, [target.pk], user=manager_user) == 1
    target.refresh_from_db()
    rollout.refresh_from_db()
    assert target.status == RolloutTarget.Status.SUCCEEDED and target.attempts == 2 and target.steps_done == 7
    assert hl_sandbox.stats()["writes"] == writes_before + 1  # only what was left
    assert rollout.status == Rollout.Status.FINISHED
    assert_converged(hl_sandbox, rollout_locations[:1])


def test_applying_a_target_twice_creates_nothing_twice(template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = roll_out(template, rollout_locations[:1], manager_user)
    target = rollout.targets.get()
    assert apply_target(target.pk).startswith("skipped")  # a duplicate task does nothing
    writes = hl_sandbox.stats()["writes"]
    RolloutTarget.objects.filter(pk=target.pk).update(status=RolloutTarget.Status.QUEUED)  # as if re-delivered
    assert apply_target(target.pk).startswith("succeeded: 0 steps, 0 writes")
    assert hl_sandbox.stats()["writes"] == writes
    assert_converged(hl_sandbox, rollout_locations[:1])


def test_a_validation_error_is_recorded_in_the_services_words(template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    template.actions.filter(type="advancedFollowup").update(details={"enabled": True, "scenarioId": "nope", "followupSequence": []})
    rollout = roll_out(template, rollout_locations[:1], manager_user)
    target = rollout.targets.get()
    assert target.status == RolloutTarget.Status.FAILED
    assert "Attach action “Follow up when quiet”" in target.error and "scenarioId" in target.error
    assert "pit-" not in target.error
