"""Two rollouts on one location at once (PostgreSQL, two real connections): one agent, no interleaving."""
import threading

import pytest
from django.db import connection, connections

from agents.models import RolloutTarget
from agents.rollout import services
from agents.rollout.apply import apply_target
from audit.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent workers on separate connections")


def test_two_rollouts_on_one_location_at_once_make_exactly_one_agent(
        template, rollout_locations, hl_sandbox, manager_user, settings):
    settings.ROLLOUT_LOCK_WAIT_SECONDS = 60
    hl_sandbox.set_faults(latency_ms=20)  # long enough for the two workers to overlap
    location = rollout_locations[0]
    targets = []
    for _ in range(2):
        rollout = services.create_rollout(template, [location], user=manager_user, plan_inline=True)
        assert rollout.targets.get().outcome == "create"  # both plans were made before either applied
        RolloutTarget.objects.filter(rollout=rollout).update(status=RolloutTarget.Status.QUEUED)
        rollout.status = "running"
        rollout.save(update_fields=["status"])
        targets.append(rollout.targets.get().pk)

    barrier = threading.Barrier(2)
    results = {}

    def worker(target_id):
        try:
            barrier.wait()
            results[target_id] = apply_target(target_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    named = [a for a in hl_sandbox.state.agents_in(location.hl_id) if a["name"] == f"{location.name} Concierge"]
    assert len(named) == 1
    assert len(hl_sandbox.state.actions_of(named[0]["id"])) == 5
    outcomes = sorted(RolloutTarget.objects.filter(pk__in=targets).values_list("status", flat=True))
    assert outcomes == ["succeeded", "unchanged"], results
    # The writes of one rollout all come before those of the other: never interleaved.
    writes = list(AuditEvent.objects.filter(verb="remote_write").order_by("at", "id").values_list("rollout_id", flat=True))
    assert len(writes) == 7 and len(set(writes)) == 1
