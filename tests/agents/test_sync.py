"""Sync mirrors each location's agents and actions, against the sandbox over real HTTP."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents import sync
from agents.models import Action, Agent, Location
from audit.models import AuditEvent


def _remote_agents(hl_sandbox, location):
    return hl_sandbox.state.agents_in(location.hl_id)


def test_a_first_sync_mirrors_every_agent_and_action_and_logs_them(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    outcome = sync.sync_location_by_id(location.pk)
    assert outcome.startswith("ok"), outcome

    remote = _remote_agents(hl_sandbox, location)
    mirrored = Agent.objects.filter(location=location)
    assert sorted(mirrored.values_list("hl_id", flat=True)) == sorted(a["id"] for a in remote)
    for agent in remote:
        mirror = mirrored.get(hl_id=agent["id"])
        assert (mirror.name, mirror.mode, mirror.channels, mirror.is_primary) == (
            agent["name"], agent["mode"], agent["channels"], agent["isPrimary"])
        remote_actions = hl_sandbox.state.actions_of(agent["id"])
        assert {(a.hl_id, a.type, a.name) for a in mirror.actions.all()} == {
            (a["id"], a["type"], a["name"]) for a in remote_actions}
        assert all(a.details for a in mirror.actions.all())
    location.refresh_from_db()
    assert location.sync_status == Location.SyncStatus.OK and location.synced_at
    created = AuditEvent.objects.filter(location=location, verb=AuditEvent.Verb.CREATED)
    assert created.filter(object_type="agent").count() == len(remote)


def test_the_demo_locations_cover_all_seven_action_types(hl_sandbox, sandbox_locations):
    for location in sandbox_locations[:3]:
        sync.sync_location_by_id(location.pk)
    types = set(Action.objects.values_list("type", flat=True))
    assert types == {"triggerWorkflow", "updateContactField", "appointmentBooking", "stopBot",
                     "humanHandOver", "advancedFollowup", "transferBot"}


def test_an_unchanged_location_writes_nothing_to_the_mirror(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    sync.sync_location(location)
    events_before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        sync.sync_location(location)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    # The rate limiter's counter is the only row that moves: the mirror and the log stay as they were.
    assert all("agents_ratelimitwindow" in sql for sql in writes), writes
    assert AuditEvent.objects.count() == events_before


def test_a_remote_change_becomes_an_audit_event_with_before_and_after(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    sync.sync_location(location)
    agent = _remote_agents(hl_sandbox, location)[0]
    with hl_sandbox.state.lock:
        before = agent["instructions"]
        agent["mode"] = "suggestive" if agent["mode"] != "suggestive" else "off"
        new_mode = agent["mode"]
        agent["instructions"] = before + "\nAlways confirm the appointment time."
    sync.sync_location(location)

    mirror = Agent.objects.get(location=location, hl_id=agent["id"])
    assert mirror.mode == new_mode
    event = AuditEvent.objects.get(agent=mirror, verb=AuditEvent.Verb.UPDATED)
    assert event.actor_label == "sync"
    assert event.changes["mode"][1] == new_mode
    assert event.changes["instructions"] == [before, before + "\nAlways confirm the appointment time."]


def test_an_agent_gone_remotely_is_marked_gone_not_dropped(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    sync.sync_location(location)
    agent = _remote_agents(hl_sandbox, location)[-1]
    with hl_sandbox.state.lock:
        del hl_sandbox.state.agents[agent["id"]]
    sync.sync_location(location)
    mirror = Agent.objects.get(location=location, hl_id=agent["id"])
    assert mirror.state == Agent.State.GONE
    assert AuditEvent.objects.filter(agent=mirror, verb=AuditEvent.Verb.GONE).count() == 1
    sync.sync_location(location)  # gone stays gone, logged once
    assert AuditEvent.objects.filter(agent=mirror, verb=AuditEvent.Verb.GONE).count() == 1


def test_unknown_values_from_the_service_are_kept_not_fatal(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    agent = _remote_agents(hl_sandbox, location)[0]
    with hl_sandbox.state.lock:
        agent["channels"] = ["SMS", "LIVE_CHAT"]  # the service's own list example uses this spelling
    assert sync.sync_location_by_id(location.pk).startswith("ok")
    assert Agent.objects.get(hl_id=agent["id"]).channels == ["SMS", "LIVE_CHAT"]


def test_a_failing_location_says_why_and_does_not_stop_the_others(hl_sandbox, sandbox_locations):
    broken, healthy = sandbox_locations[0], sandbox_locations[1]
    broken.pit = hl_sandbox.state.issue_token(broken.hl_id, scopes=["conversation-ai.write"])
    broken.save()
    outcomes = [sync.sync_location_by_id(loc.pk) for loc in (broken, healthy)]
    assert outcomes[0].startswith("failed") and outcomes[1].startswith("ok")
    broken.refresh_from_db()
    assert broken.sync_status == Location.SyncStatus.FAILED
    assert "conversation-ai.readonly" in broken.sync_error
    assert broken.pit not in broken.sync_error
    failure = AuditEvent.objects.get(location=broken, verb=AuditEvent.Verb.SYNC_FAILED)
    assert "conversation-ai.readonly" in failure.message


def test_a_revoked_token_is_reported_in_words(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    location.pit = "pit-revoked-or-mistyped"
    location.save()
    sync.sync_location_by_id(location.pk)
    location.refresh_from_db()
    assert "private integration token" in location.sync_error
    assert "pit-revoked-or-mistyped" not in location.sync_error


def test_sync_rides_out_server_errors_and_rate_limits(hl_sandbox, sandbox_locations):
    hl_sandbox.set_faults(error_rate=0.2, rate_limit_burst=3)
    location = sandbox_locations[0]
    assert sync.sync_location_by_id(location.pk).startswith("ok")
    assert Agent.objects.filter(location=location).count() == len(_remote_agents(hl_sandbox, location))


@pytest.mark.django_db
def test_enqueue_skips_locations_without_credentials_or_already_syncing(hl_sandbox, sandbox_locations):
    from django_q.models import OrmQ

    bare = Location.objects.create(hl_id="no-token", name="No token yet")
    busy = sandbox_locations[1]
    Location.objects.filter(pk=busy.pk).update(sync_status=Location.SyncStatus.RUNNING)
    count = sync.enqueue_sync([sandbox_locations[0].pk, bare.pk, busy.pk])
    assert count == 1
    assert OrmQ.objects.count() == 1
    assert Location.objects.get(pk=sandbox_locations[0].pk).sync_status == Location.SyncStatus.QUEUED
    assert Location.objects.get(pk=bare.pk).sync_status == Location.SyncStatus.NEVER


@pytest.mark.django_db
def test_a_sync_a_user_asks_for_is_audited_under_their_name_and_the_schedule_s_is_not(
        hl_sandbox, sandbox_locations, manager_user):
    first, second, busy = sandbox_locations[:3]
    Location.objects.filter(pk=busy.pk).update(sync_status=Location.SyncStatus.RUNNING)

    assert sync.enqueue_sync([first.pk, second.pk, busy.pk], user=manager_user) == 2

    requested = AuditEvent.objects.filter(verb=AuditEvent.Verb.SYNC_REQUESTED).order_by("object_repr")
    assert [(e.actor, e.actor_label, e.location_id, e.object_id) for e in requested] == sorted(
        [(manager_user, manager_user.username, loc.pk, loc.hl_id) for loc in (first, second)],
        key=lambda row: Location.objects.get(pk=row[2]).name)
    assert requested[0].get_verb_display() == "Sync requested"

    Location.objects.update(sync_status=Location.SyncStatus.OK)
    sync.enqueue_sync_all()  # the schedule's
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.SYNC_REQUESTED).count() == 2


def test_a_second_worker_does_not_sync_a_location_already_being_synced(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    Location.objects.filter(pk=location.pk).update(sync_status=Location.SyncStatus.RUNNING)
    from django.utils import timezone
    Location.objects.filter(pk=location.pk).update(sync_started_at=timezone.now())
    assert sync.sync_location_by_id(location.pk).startswith("skipped")
    assert not Agent.objects.filter(location=location).exists()


@pytest.mark.django_db
def test_a_sync_keeps_the_write_only_fields_as_the_back_office_last_wrote_them(hl_sandbox, sandbox_locations):
    """HighLevel's documented answer has no respondToImages / respondToAudio: a sync must not read
    their absence as false (a rollout would then write them again every time)."""
    location = sandbox_locations[0]
    agent = Agent.objects.create(location=location, hl_id="ag-1", name="Front desk", mode="off",
                                 respond_to_images=True, respond_to_audio=True)
    documented = {"id": "ag-1", "name": "Front desk", "mode": "auto-pilot"}

    sync.upsert_mirror(location, [documented])

    agent.refresh_from_db()
    assert (agent.mode, agent.respond_to_images, agent.respond_to_audio) == ("auto-pilot", True, True)
    assert "respondToImages" not in agent.raw
    assert not AuditEvent.objects.filter(agent=agent, changes__has_key="respond_to_images").exists()


@pytest.mark.django_db
def test_texts_longer_than_the_mirror_s_columns_are_kept_in_part_and_the_sync_goes_on(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    long_name = "Front desk " + "x" * 400
    payload = {"id": "ag-long", "name": long_name, "mode": "off", "createdAt": "2026-01-01T00:00:00.000Z" + "9" * 50,
               "actions": [{"id": "act-long", "type": "stopBot" + "t" * 80, "name": "Stop " + "y" * 400, "details": {}}]}

    sync.upsert_mirror(location, [payload])

    agent = Agent.objects.get(location=location, hl_id="ag-long")
    assert agent.name == long_name[:300] and agent.raw["name"] == long_name
    action = Action.objects.get(agent=agent)
    assert len(action.name) == 300 and len(action.type) == 50 and action.raw["name"].endswith("y")
