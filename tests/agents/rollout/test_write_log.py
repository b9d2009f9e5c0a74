"""One REMOTE_WRITE per write attempt: a timed-out PUT that was applied and sent again is two writes, two events."""
import threading

import pytest
import requests

from agents.models import RolloutTarget
from agents.rollout import services
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
