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


def test_a_write_applied_while_its_worker_died_is_audited_by_the_run_that_resumes(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user, monkeypatch):
    location = rollout_locations[0]
    rollout = services.create_rollout(template, [location], user=manager_user, plan_inline=True)
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.RUNNING)
    target = rollout.targets.get()
    RolloutTarget.objects.filter(pk=target.pk).update(status=RolloutTarget.Status.QUEUED)
    writes_before = hl_sandbox.stats()["writes"]

    real_send = requests.adapters.HTTPAdapter.send
    posts = []

    def dies_after_the_third_post_reaches_the_service(self, request, **kwargs):
        if request.method == "POST":
            posts.append(request.url)
            if len(posts) == 3:  # the agent and one action are recorded; the second action lands unrecorded
                real_send(self, request, **kwargs).content
                raise WorkerKilled()
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", dies_after_the_third_post_reaches_the_service)
    with pytest.raises(WorkerKilled):
        apply_target(target.pk)
    events = AuditEvent.objects.filter(rollout=rollout, verb=AuditEvent.Verb.REMOTE_WRITE)
    assert hl_sandbox.stats()["writes"] - writes_before == 3 and events.count() == 2

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", real_send)
    assert reap_stalled_targets(now=timezone.now() + timedelta(minutes=5)) == 1  # the resumed run, inline
    target.refresh_from_db()
    assert target.status == RolloutTarget.Status.SUCCEEDED
    agents = [a for a in hl_sandbox.state.agents_in(location.hl_id) if a["name"] == f"{location.name} Concierge"]
    assert len(agents) == 1 and len(hl_sandbox.state.actions_of(agents[0]["id"])) == 5
    assert hl_sandbox.stats()["writes"] - writes_before == events.count() == 7  # one event per write received
    found = events.get(message__contains=FOUND_DONE_NOTE)
    second_action = sorted(hl_sandbox.state.actions_of(agents[0]["id"]), key=lambda a: a["id"])
    assert found.http_method == "POST" and found.http_status is None and found.object_type == "action"
    assert found.object_repr == target.plan[2]["summary"] and found.changes == target.plan[2]["changes"]
    assert found.object_id in {a["id"] for a in second_action}
    assert events.filter(object_repr=found.object_repr).count() == 1
    assert apply_target(target.pk).startswith("skipped") and events.count() == 7  # nothing recorded twice
