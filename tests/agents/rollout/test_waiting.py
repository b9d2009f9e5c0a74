"""Lost create answers wait and are never created twice; the reaper picks up what dead workers left."""
import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from agents.highlevel.client import HighLevelClient
from agents.highlevel.errors import TransportError
from agents.models import Location, Rollout, RolloutTarget
from agents.rollout import services
from agents.rollout.apply import apply_target
from agents.rollout.waiting import reap_stalled_targets
from audit.models import AuditEvent

from .conftest import drain_waiting_targets

pytestmark = pytest.mark.django_db(transaction=True)
T = RolloutTarget.Status


def planned(template, locations, user):
    rollout = services.create_rollout(template, locations, user=user, plan_inline=True)
    return rollout


def agents_named(hl_sandbox, location):
    return [a for a in hl_sandbox.state.agents_in(location.hl_id) if a["name"] == f"{location.name} Concierge"]


def test_a_create_that_lands_after_its_answer_was_lost_is_adopted_not_duplicated(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch, settings):
    """The request is still in flight when the client gives up; it lands 0.3 s later. The old
    "look again after 1 s, create again" could duplicate with a slower landing; now nothing is
    created again in the run, and the next run, after the wait, adopts what landed."""
    settings.ROLLOUT_LOST_ANSWER_WAIT_SECONDS = 0.6  # longer than the 0.3 s the request stays in flight
    real_create = HighLevelClient.create_agent
    landed = []

    def create_lands_late(self, payload):
        def send_late():
            landed.append(real_create(self, payload))
        timer = threading.Timer(0.3, send_late)
        timer.start()
        if self.on_response:
            self.on_response("POST", "/conversation-ai/agents", None, 1000.0, 1)
        raise TransportError(method="POST", path="/conversation-ai/agents", maybe_sent=True, reason="ReadTimeout")

    monkeypatch.setattr(HighLevelClient, "create_agent", create_lands_late)
    location = rollout_locations[0]
    rollout = planned(template, [location], manager_user)
    services.confirm_rollout(rollout, user=manager_user)
    target = rollout.targets.get()
    assert target.status == T.QUEUED and target.error.startswith("Waiting: the create's answer was lost")
    assert target.started_at > timezone.now()  # not before its wait is over
    assert Schedule.objects.filter(name__startswith=f"retry rollout target {target.pk}").exists()
    assert apply_target(target.pk).startswith("skipped")  # an early delivery does nothing

    monkeypatch.setattr(HighLevelClient, "create_agent", real_create)
    drain_waiting_targets()
    target.refresh_from_db()
    assert target.status == T.SUCCEEDED and len(landed) == 1
    assert len(agents_named(hl_sandbox, location)) == 1
    assert AuditEvent.objects.filter(rollout=rollout, verb=AuditEvent.Verb.ROLLOUT, message__startswith="Adopt").exists()
    lost = AuditEvent.objects.get(rollout=rollout, verb=AuditEvent.Verb.REMOTE_WRITE, http_path="/conversation-ai/agents")
    assert lost.http_status is None and "the answer was lost" in lost.message


def test_dropped_create_answers_wait_then_converge_with_one_agent(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    hl_sandbox.set_faults(drop_create_rate=1.0)
    rollout = planned(template, rollout_locations[:2], manager_user)
    services.confirm_rollout(rollout, user=manager_user)
    assert set(rollout.targets.values_list("status", flat=True)) == {T.QUEUED}
    assert hl_sandbox.stats()["by_method"]["POST"] == 2  # one create per location, never a second in the run
    hl_sandbox.set_faults(drop_create_rate=0)
    drain_waiting_targets()
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.FINISHED
    assert all(len(agents_named(hl_sandbox, loc)) == 1 for loc in rollout_locations[:2])


def test_a_target_left_running_by_a_killed_worker_is_queued_again_and_finishes(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = planned(template, rollout_locations[:2], manager_user)
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.RUNNING)
    dead, alive = rollout.targets.order_by("pk")
    long_ago = timezone.now() - timedelta(minutes=5)
    # The dead one's lease expired with its worker; the live one holds its lease.
    RolloutTarget.objects.filter(pk__in=[dead.pk, alive.pk]).update(status=T.RUNNING, started_at=long_ago)
    Location.objects.filter(pk=dead.location_id).update(write_lock_owner=f"rollout #{rollout.pk}, target {dead.pk} (abc)",
                                                         write_lock_expires_at=long_ago)
    Location.objects.filter(pk=alive.location_id).update(
        write_lock_owner=f"rollout #{rollout.pk}, target {alive.pk} (def)", write_lock_expires_at=timezone.now() + timedelta(seconds=30))
    assert reap_stalled_targets() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == T.SUCCEEDED and len(agents_named(hl_sandbox, dead.location)) == 1
    assert alive.status == T.RUNNING


def test_a_queued_target_whose_task_was_lost_is_queued_again_but_a_waiting_one_is_left_to_wait(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, settings):
    settings.ROLLOUT_QUEUED_GRACE_SECONDS = 60
    rollout = planned(template, rollout_locations[:2], manager_user)
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.RUNNING)
    lost, waiting = rollout.targets.order_by("pk")
    RolloutTarget.objects.filter(pk=lost.pk).update(status=T.QUEUED, started_at=timezone.now() - timedelta(minutes=3))
    RolloutTarget.objects.filter(pk=waiting.pk).update(status=T.QUEUED, started_at=timezone.now() + timedelta(minutes=1))
    assert reap_stalled_targets() == 1
    assert RolloutTarget.objects.get(pk=lost.pk).status == T.SUCCEEDED
    assert RolloutTarget.objects.get(pk=waiting.pk).status == T.QUEUED
    assert reap_stalled_targets() == 0  # nothing left behind: cheap


def test_passing_failures_wait_and_try_again_then_fail_in_words(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, settings):
    settings.ROLLOUT_MAX_ATTEMPTS = 2
    rollout = planned(template, rollout_locations[:1], manager_user)
    hl_sandbox.set_faults(error_rate=1.0)  # every call 5xx, past the client's retries
    services.confirm_rollout(rollout, user=manager_user)
    target = rollout.targets.get()
    assert target.status == T.QUEUED and target.error.startswith("Waiting: ") and "Trying again shortly" in target.error
    drain_waiting_targets()
    target.refresh_from_db()
    assert target.status == T.FAILED and target.attempts == 2 and "500" in target.error


def test_targets_still_planning_long_after_the_rollout_was_made_are_planned_again(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = planned(template, rollout_locations[:2], manager_user)
    RolloutTarget.objects.filter(rollout=rollout).update(status=T.PLANNING)  # as if the plan task died
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.PLANNING,
                                                 created_at=timezone.now() - timedelta(minutes=10))
    assert reap_stalled_targets() == 2
    assert set(rollout.targets.values_list("status", flat=True)) == {T.PLANNED}
    assert Rollout.objects.get(pk=rollout.pk).status == Rollout.Status.PLANNED


def test_a_rollout_left_open_by_a_worker_killed_after_its_last_target_is_closed(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    rollout = planned(template, rollout_locations[:1], manager_user)
    services.confirm_rollout(rollout, user=manager_user)
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.RUNNING, finished_at=None)
    reap_stalled_targets()
    assert Rollout.objects.get(pk=rollout.pk).status == Rollout.Status.FINISHED
