"""One REMOTE_WRITE per write attempt: a timed-out PUT that was applied and sent again is two writes, two
events; a write whose run was cut off before it read the answer is recorded by the run that resumes."""
import threading
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from agents.models import Rollout, RolloutTarget
from agents.rollout import services
from agents.rollout.apply import FOUND_DONE_NOTE, apply_target
from agents.rollout.waiting import reap_stalled_targets
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_timed_out_put_applied_and_sent_again_is_audited_twice_like_the_service_saw_it(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch):
    location = rollout_locations[0]
    first = services.create_rollout(template, [location], user=manager_user, plan_inline=True)
    services.confirm_rollout(first, user=manager_user)
    template.goal = "Book more visits for {{ location.name }}"
    template.save()
    second = services.create_rollout(template, [location], user=manager_user, plan_inline=True)

    real_send = requests.adapters.HTTPAdapter.send
    timed_out = []

    def first_put_times_out_after_reaching_the_service(self, request, **kwargs):
        if request.method == "PUT" and not timed_out:
            timed_out.append(request.url)
            sent = threading.Thread(target=lambda: real_send(self, request, **kwargs).content)
            sent.start()
            sent.join()  # it is applied; only the answer is lost
            raise requests.exceptions.ReadTimeout("read timed out")
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", first_put_times_out_after_reaching_the_service)
    writes_before = hl_sandbox.stats()["writes"]
    services.confirm_rollout(second, user=manager_user)
    assert second.targets.get().status == RolloutTarget.Status.SUCCEEDED
    events = AuditEvent.objects.filter(rollout=second, verb=AuditEvent.Verb.REMOTE_WRITE).order_by("pk")
    assert [(e.http_method, e.http_status) for e in events] == [("PUT", None), ("PUT", 200)]
    assert hl_sandbox.stats()["writes"] - writes_before == 2 == events.count()
    assert "the answer was lost" in events[0].message and events[0].changes == events[1].changes != {}


class WorkerKilled(BaseException):
    """Unwinds like a dying worker: no `except Exception` stops it, so no answer is recorded."""


def _kill_the_worker_after_three_posts(template, location, user, monkeypatch):
    """Apply one target and die right after its third POST (the second action) reached the service."""
    rollout = services.create_rollout(template, [location], user=user, plan_inline=True)
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.RUNNING)
    target = rollout.targets.get()
    RolloutTarget.objects.filter(pk=target.pk).update(status=RolloutTarget.Status.QUEUED)
    real_send = requests.adapters.HTTPAdapter.send
    posts = []

    def dies_after_the_third_post_reaches_the_service(self, request, **kwargs):
        if request.method == "POST":
            posts.append(request.url)
            if len(posts) == 3:
                real_send(self, request, **kwargs).content
                raise WorkerKilled()
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", dies_after_the_third_post_reaches_the_service)
    with pytest.raises(WorkerKilled):
        apply_target(target.pk)
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", real_send)
    return rollout, target


@pytest.mark.parametrize("progress_every_seconds, recorded_by_the_killed_run", [
    (0, 2),  # progress saved after every step: the agent and the first action were recorded
    (60, 0),  # killed before its first save: every write it made is found done
])
def test_a_write_applied_while_its_worker_died_is_audited_by_the_run_that_resumes(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch,
        progress_every_seconds, recorded_by_the_killed_run):
    monkeypatch.setattr("agents.rollout.apply.PROGRESS_EVERY_SECONDS", progress_every_seconds)
    location = rollout_locations[0]
    writes_before = hl_sandbox.stats()["writes"]
    rollout, target = _kill_the_worker_after_three_posts(template, location, manager_user, monkeypatch)
    events = AuditEvent.objects.filter(rollout=rollout, verb=AuditEvent.Verb.REMOTE_WRITE)
    assert hl_sandbox.stats()["writes"] - writes_before == 3 and events.count() == recorded_by_the_killed_run

    assert reap_stalled_targets(now=timezone.now() + timedelta(minutes=5)) == 1  # the resumed run, inline
    target.refresh_from_db()
    assert target.status == RolloutTarget.Status.SUCCEEDED
    agents = [a for a in hl_sandbox.state.agents_in(location.hl_id) if a["name"] == f"{location.name} Concierge"]
    assert len(agents) == 1 and len(hl_sandbox.state.actions_of(agents[0]["id"])) == 5
    assert hl_sandbox.stats()["writes"] - writes_before == events.count() == 7  # one event per write received
    found = events.filter(message__contains=FOUND_DONE_NOTE).order_by("pk")
    assert found.count() == 3 - recorded_by_the_killed_run
    second_action = found.last()
    assert second_action.http_method == "POST" and second_action.http_status is None
    assert second_action.object_type == "action" and second_action.object_repr == target.plan[2]["summary"]
    assert second_action.changes == target.plan[2]["changes"]
    assert second_action.object_id in {a["id"] for a in hl_sandbox.state.actions_of(agents[0]["id"])}
    if not recorded_by_the_killed_run:
        created = found.first()
        assert created.object_type == "agent" and created.object_id == agents[0]["id"]
    assert all(events.filter(object_repr=e.object_repr).count() == 1 for e in events)
    assert apply_target(target.pk).startswith("skipped") and events.count() == 7  # nothing recorded twice


def test_a_running_targets_events_are_written_with_its_progress(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch):
    """Each step's events wait for the next save of the target's progress, not for the target's end."""
    monkeypatch.setattr("agents.rollout.apply.PROGRESS_EVERY_SECONDS", 0)
    location = rollout_locations[0]
    rollout = services.create_rollout(template, [location], user=manager_user, plan_inline=True)
    seen = []
    real_send = requests.adapters.HTTPAdapter.send

    def count_events_before_each_post(self, request, **kwargs):
        if request.method == "POST":
            target = rollout.targets.get()
            events = AuditEvent.objects.filter(rollout=rollout, verb=AuditEvent.Verb.REMOTE_WRITE).count()
            seen.append((target.steps_done, events))
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", count_events_before_each_post)
    services.confirm_rollout(rollout, user=manager_user)
    assert seen == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]  # the agent, then its five actions
    assert AuditEvent.objects.filter(rollout=rollout, verb=AuditEvent.Verb.REMOTE_WRITE).count() == 7
