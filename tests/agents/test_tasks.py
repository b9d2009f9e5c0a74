"""The django-q2 tasks that carry several items: plans, applies and syncs, against the sandbox over HTTP.

The tasks are recorded instead of queued (agents.batches.async_task), then run here as a worker
would run them, one after the other, so a test sees the state between two tasks of one rollout.
"""
import threading

import pytest
from django_q.conf import Conf

from agents import batches, sync, tasks
from agents.models import Agent, Location, Rollout, RolloutTarget
from agents.rollout import services
from tests.agents.rollout.conftest import rollout_locations, tasks_inline, template  # noqa: F401 (fixtures)

S, T = Rollout.Status, RolloutTarget.Status


def threads_running(monkeypatch, module, name):
    """The threads `module.name` runs on, from now on."""
    seen, real = set(), getattr(module, name)

    def spy(*args, **kwargs):
        seen.add(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def statuses(rollout):
    return list(rollout.targets.order_by("position").values_list("status", flat=True))


def status_of(rollout):
    rollout.refresh_from_db()
    return rollout.status


def tasks_of(enqueued, func):
    return [ids for name, ids, _, _ in enqueued if name == func]


# --- plan_targets / apply_targets ---------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_rollout_is_planned_only_once_its_last_plan_task_has_run(
        template, rollout_locations, tasks_inline, enqueued, settings, manager_user):
    settings.ROLLOUT_TARGETS_PER_TASK = 3
    rollout = services.create_rollout(template, rollout_locations, user=manager_user)
    assert [(func, len(ids), group) for func, ids, _, group in enqueued] == [
        ("agents.tasks.plan_targets", 3, f"rollout-{rollout.pk}"),
        ("agents.tasks.plan_targets", 2, f"rollout-{rollout.pk}"),
    ]
    first, second = tasks_of(enqueued, "agents.tasks.plan_targets")
    assert status_of(rollout) == S.PLANNING

    results = tasks.plan_targets(first)
    assert [result.split(",")[0] for result in results] == ["planned: create"] * 3
    assert status_of(rollout) == S.PLANNING  # two targets are still being planned
    assert statuses(rollout) == [T.PLANNED] * 3 + [T.PLANNING] * 2

    tasks.plan_targets(second)
    assert status_of(rollout) == S.PLANNED
    assert statuses(rollout) == [T.PLANNED] * 5


@pytest.mark.django_db(transaction=True)
def test_a_plan_task_delivered_twice_plans_nothing_again(
        template, rollout_locations, tasks_inline, enqueued, hl_sandbox, manager_user):
    rollout = services.create_rollout(template, rollout_locations[:2], user=manager_user)
    (ids,) = tasks_of(enqueued, "agents.tasks.plan_targets")
    tasks.plan_targets(ids)
    plans = list(rollout.targets.order_by("position").values_list("plan", flat=True))
    reads = hl_sandbox.stats()["total"]

    assert tasks.plan_targets(ids) == ["skipped: target is planned"] * 2
    assert hl_sandbox.stats()["total"] == reads
    assert list(rollout.targets.order_by("position").values_list("plan", flat=True)) == plans
    assert status_of(rollout) == S.PLANNED


@pytest.mark.django_db(transaction=True)
def test_a_rollout_finishes_once_its_last_apply_task_has_run(
        template, rollout_locations, tasks_inline, enqueued, settings, hl_sandbox, manager_user):
    settings.ROLLOUT_TARGETS_PER_TASK = 3
    rollout = services.create_rollout(template, rollout_locations, user=manager_user, plan_inline=True)
    assert services.confirm_rollout(rollout, user=manager_user) == 5
    applies = [(ids, group) for func, ids, _, group in enqueued if func == "agents.tasks.apply_targets"]
    assert [(len(ids), group) for ids, group in applies] == [(3, "rollout"), (2, "rollout")]
    (first, _), (second, _) = applies
    assert statuses(rollout) == [T.QUEUED] * 5

    results = tasks.apply_targets(first)
    assert [result.split(":")[0] for result in results] == ["succeeded"] * 3
    assert status_of(rollout) == S.RUNNING
    assert statuses(rollout) == [T.SUCCEEDED] * 3 + [T.QUEUED] * 2

    tasks.apply_targets(second)
    assert status_of(rollout) == S.FINISHED and rollout.finished_at
    assert statuses(rollout) == [T.SUCCEEDED] * 5
    for location in rollout_locations:
        named = [a for a in hl_sandbox.state.agents_in(location.hl_id) if a["name"] == f"{location.name} Concierge"]
        assert len(named) == 1


@pytest.mark.django_db(transaction=True)
def test_the_canarys_apply_task_pauses_the_rollout(
        template, rollout_locations, tasks_inline, enqueued, manager_user):
    rollout = services.create_rollout(template, rollout_locations, user=manager_user, strategy="canary",
                                      canary_size=2, plan_inline=True)
    services.confirm_rollout(rollout, user=manager_user)
    (canary,) = tasks_of(enqueued, "agents.tasks.apply_targets")
    assert len(canary) == 2

    tasks.apply_targets(canary)

    assert status_of(rollout) == S.PAUSED
    assert statuses(rollout) == [T.SUCCEEDED] * 2 + [T.PLANNED] * 3


@pytest.mark.django_db(transaction=True)
def test_on_a_worker_the_targets_are_planned_and_applied_on_threads(
        template, rollout_locations, on_worker_threads, enqueued, hl_sandbox, manager_user, monkeypatch):
    from agents.rollout import apply

    planners = threads_running(monkeypatch, services, "plan_target_by_id")
    appliers = threads_running(monkeypatch, apply, "apply_target")
    rollout = services.create_rollout(template, rollout_locations, user=manager_user)
    (plan_ids,) = tasks_of(enqueued, "agents.tasks.plan_targets")

    tasks.plan_targets(plan_ids)
    assert status_of(rollout) == S.PLANNED

    services.confirm_rollout(rollout, user=manager_user)
    (apply_ids,) = tasks_of(enqueued, "agents.tasks.apply_targets")
    results = tasks.apply_targets(apply_ids)

    assert [result.split(":")[0] for result in results] == ["succeeded"] * 5
    assert status_of(rollout) == S.FINISHED
    assert hl_sandbox.stats()["writes"] == 5 * 7  # each location: its agent, five actions, follow-up settings
    assert len(planners) == 2 and len(appliers) == 2
    assert threading.current_thread().name not in planners | appliers


# --- sync_locations -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_sync_locations_mirrors_each_location(sandbox_locations, hl_sandbox, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)
    ids = [location.pk for location in sandbox_locations[:3]]

    results = tasks.sync_locations(ids)

    assert len(results) == 3 and all(result.startswith("ok") for result in results), results
    for location in sandbox_locations[:3]:
        location.refresh_from_db()
        assert location.sync_status == Location.SyncStatus.OK and location.synced_at
        assert Agent.objects.filter(location=location).count() == len(hl_sandbox.state.agents_in(location.hl_id))
    sandbox_locations[3].refresh_from_db()
    assert sandbox_locations[3].sync_status == Location.SyncStatus.NEVER


@pytest.mark.django_db(transaction=True)
def test_on_a_worker_the_locations_sync_on_threads(sandbox_locations, hl_sandbox, on_worker_threads, monkeypatch):
    syncers = threads_running(monkeypatch, sync, "sync_location_by_id")
    results = tasks.sync_locations([location.pk for location in sandbox_locations])

    assert len(results) == 5 and all(result.startswith("ok") for result in results), results
    assert set(Location.objects.values_list("sync_status", flat=True)) == {Location.SyncStatus.OK}
    assert Agent.objects.count() == sum(len(hl_sandbox.state.agents_in(loc.hl_id)) for loc in sandbox_locations)
    assert len(syncers) == 2 and threading.current_thread().name not in syncers


@pytest.mark.django_db
def test_a_sync_of_five_locations_goes_out_as_tasks_of_the_configured_size(
        sandbox_locations, enqueued, settings, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)
    settings.SYNC_LOCATIONS_PER_TASK = 2
    ids = sorted(location.pk for location in sandbox_locations)

    assert sync.enqueue_sync(ids) == 5

    assert [(func, len(task_ids), group) for func, task_ids, _, group in enqueued] == [
        ("agents.tasks.sync_locations", 2, "sync"),
        ("agents.tasks.sync_locations", 2, "sync"),
        ("agents.tasks.sync_locations", 1, "sync"),
    ]
    assert sorted(pk for _, task_ids, _, _ in enqueued for pk in task_ids) == ids
    assert set(Location.objects.values_list("sync_status", flat=True)) == {Location.SyncStatus.QUEUED}
    for _, task_ids, _, _ in enqueued:
        tasks.sync_locations(task_ids)
    assert set(Location.objects.values_list("sync_status", flat=True)) == {Location.SyncStatus.OK}
