"""Shared parts of the benchmark commands (bench_sync, bench_rollout).

A benchmark runs the real path: the sandbox over HTTP with a set latency, the q cluster in its
own processes, the database as configured. Point DATABASE_URL at a scratch database: the
benchmark replaces every Location in it.
"""
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django_q.tasks import async_task, result

from agents.highlevel.sandbox import SandboxServer, SandboxState
from agents.models import Location
from backoffice.db import refresh_statistics
from backoffice.processes import start_process_group, stop_process_groups


@contextmanager
def sandbox(locations: int, latency_ms: int, *, seed: int = 1, rate_limit: int = 100):
    state = SandboxState(locations=locations, seed=seed, rate_limit=rate_limit)
    state.faults.update(latency_ms=latency_ms)
    server = SandboxServer("127.0.0.1", 0, state).start()
    previous = settings.HIGHLEVEL_BASE_URL
    settings.HIGHLEVEL_BASE_URL = os.environ["HIGHLEVEL_BASE_URL"] = server.base_url
    try:
        yield server
    finally:
        settings.HIGHLEVEL_BASE_URL = os.environ["HIGHLEVEL_BASE_URL"] = previous
        server.stop()


def replace_locations(server, *, variables=None) -> list[Location]:
    """One Location per sandbox location, with its PIT (and `variables(index)`, if given); nothing
    else left from earlier runs, nor their dead rows (refresh_statistics)."""
    Location.objects.all().delete()
    locations = Location.objects.bulk_create([
        Location(hl_id=row["locationId"], name=row["name"], pit=row["token"], variables=variables(index) if variables else {})
        for index, row in enumerate(server.state.location_summaries())
    ])
    refresh_statistics()
    return locations


@contextmanager
def q_cluster(workers: int, log_path: Path, env: dict | None = None):
    """A real `manage.py qcluster` in its own processes (its own process group), ready when the block starts.

    It runs with production settings (DEBUG off) and this process's keys, so it reads the tokens
    seeded here; DEBUG's query log is not part of what is measured. The settings in `env` hold in
    this process too while the block runs: this process enqueues the cluster's work, and how many
    items a task carries is a setting of the side that enqueues.
    """
    with override_settings(**_as_settings(env or {})), _run_cluster(workers, log_path, env or {}) as process:
        yield process


def _as_settings(env: dict) -> dict:
    """The environment entries that name a setting, as values of that setting's type."""
    typed = {}
    for name, text in env.items():
        current = getattr(settings, name, None)
        if isinstance(current, bool):
            typed[name] = str(text).lower() in ("1", "true", "yes", "on")
        elif isinstance(current, int):
            typed[name] = int(float(text))
        elif isinstance(current, float):
            typed[name] = float(text)
        elif isinstance(current, str):
            typed[name] = str(text)
    return typed


@contextmanager
def _run_cluster(workers: int, log_path: Path, env: dict):
    env = {**os.environ, "Q_WORKERS": str(workers), "DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY,
           "SECRETS_ENCRYPTION_KEYS": ",".join(settings.SECRETS_ENCRYPTION_KEYS), **env}
    postpone_periodic_sync()
    with open(log_path, "a") as log:
        process = start_process_group([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "qcluster"],
                                      log=log, env=env)
    try:
        probe = async_task("math.copysign", 1, 1, save=True)
        if result(probe, wait=60_000) is None:
            raise RuntimeError(f"The q cluster did not start; see {log_path}.")
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so `finally` stops the cluster too
        try:
            yield process
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        stop_process_groups([process])


def add_cluster_arguments(parser, *, items: str) -> None:
    """--workers, --threads and --per-task: the shape of the q cluster a benchmark runs; by default
    the shape the settings give a production cluster."""
    parser.add_argument("--workers", type=int, default=settings.Q_WORKERS, help="q cluster worker processes (Q_WORKERS).")
    parser.add_argument("--threads", type=int, default=settings.TASK_THREADS,
                        help="Threads each worker runs a task's items on (TASK_THREADS).")
    parser.add_argument("--per-task", type=int, default=settings.ROLLOUT_TARGETS_PER_TASK,
                        help=f"{items} in one task (ROLLOUT_TARGETS_PER_TASK, SYNC_LOCATIONS_PER_TASK).")


def cluster_env(options: dict) -> dict:
    """The settings those arguments give the cluster; it has workers x threads items in flight."""
    per_task = str(options["per_task"])
    return {"ROLLOUT_TARGETS_PER_TASK": per_task, "SYNC_LOCATIONS_PER_TASK": per_task,
            "TASK_THREADS": str(options["threads"])}


def postpone_periodic_sync() -> None:
    """A fresh database's periodic full sync is due at once: the first thing a new cluster would do
    is sync every location in the middle of the run being measured. Push it a day away."""
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule

    from agents.schedules import SYNC_ALL, ensure_schedules

    ensure_schedules()
    Schedule.objects.filter(name=SYNC_ALL).update(next_run=timezone.now() + timedelta(days=1))


def _exit_on_sigterm(signum, frame):
    raise SystemExit(143)



def wait_until(condition, *, timeout: float, poll: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return False


def lower_bound(chain: int, requests: int, latency_s: float, concurrency: int) -> float:
    """No run can beat the longest chain of dependent calls, nor the total work spread over the workers."""
    return max(chain * latency_s, requests * latency_s / concurrency)


def print_table(stdout, rows: list[tuple[str, str]]):
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        stdout.write(f"  {label.ljust(width)}  {value}")


# --- The rollout the benchmarks roll out ------------------------------------------------------

TEMPLATE_NAME = "Benchmark concierge"
ACTIONS = [
    ("triggerWorkflow", "Send to nurture", {"workflowIds": ["{{ vars.workflow_id }}"],
                                            "triggerCondition": "The contact asks for a brochure"}),
    ("updateContactField", "Save the budget", {"contactFieldId": "budget", "description": "The budget mentioned"}),
    ("appointmentBooking", "Book a visit", {
        "calendarId": "{{ vars.calendar_id }}", "onlySendLink": True, "triggerWorkflow": False,
        "sleepAfterBooking": False, "transferBot": False, "rescheduleEnabled": False, "cancelEnabled": False}),
    ("stopBot", "Stop on goodbye", {
        "stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "The contact says goodbye",
        "reactivateEnabled": False, "enabled": True, "stopBotExamples": ["bye", "that's all"],
        "finalMessage": "Thanks for contacting {{ location.name }}!"}),
    ("advancedFollowup", "Follow up when quiet", {
        "enabled": True, "scenarioId": "contactStoppedReplying",
        "followupSequence": [{"id": 1, "followupTime": 2, "followupTimeUnit": "hours"}]}),
]


def make_template():
    from agents.models import ActionTemplate, AgentTemplate, Rollout

    # An earlier benchmark's template goes, with its rollouts (they protect it).
    Rollout.objects.filter(template__name=TEMPLATE_NAME).delete()
    AgentTemplate.objects.filter(name=TEMPLATE_NAME).delete()
    template = AgentTemplate.objects.create(
        name=TEMPLATE_NAME, agent_name="{{ location.name }} Concierge", business_name="{{ location.name }}",
        mode="suggestive", channels=["SMS", "WebChat"], wait_time=30, personality="Warm and brief",
        goal="Book visits for {{ location.name }}", instructions="Offer the calendar {{ vars.calendar_id }}.",
        auto_pilot_max_messages=40,
        followup_settings={"dynamicChannelSwitching": True, "followUpHours": False, "timezoneToUse": "contact"},
    )
    for position, (kind, name, details) in enumerate(ACTIONS):
        ActionTemplate.objects.create(template=template, position=position, type=kind, name=name, details=details)
    return template


def seed_rollout_locations(server) -> list[Location]:
    """Every sandbox location as a Location with the template's variables; nothing else left."""
    from agents.models import Rollout

    Rollout.objects.all().delete()  # earlier runs, so that the rollout pages show this one alone
    return replace_locations(server, variables=lambda index: {"calendar_id": f"cal-{index}", "workflow_id": f"wf-{index}"})


# --- What a user would script instead: one location after another, one call after another -----

def scripted_rollout(template, locations) -> None:
    """Look for the agent by name, create it, attach the actions, set the follow-up settings."""
    from agents.gateway import location_client
    from agents.rollout.desired import desired_for_location
    from agents.rollout.versions import current_version

    snapshot = current_version(template).snapshot
    for location in locations:
        desired = desired_for_location(snapshot, location, template_id=template.pk)
        client = location_client(location)
        name = desired["agent"]["name"]
        found = [a for a in client.iter_agents(query=name) if a.get("name") == name]
        agent = found[0] if found else client.create_agent(desired["agent"])
        followups = []
        for action in desired["actions"]:
            created = client.create_action(agent["id"], action)
            if action["type"] == "advancedFollowup":
                followups.append(created["id"])
        if followups and desired.get("followup_settings"):
            client.update_followup_settings(agent["id"], {"actionIds": followups,
                                                          "followupSettings": desired["followup_settings"]})


def scripted_sync(locations) -> None:
    from agents.gateway import location_client
    from agents.sync import fetch_remote_agents

    for location in locations:
        fetch_remote_agents(location_client(location))


def timed_loop(run, items: list, sample: int | None) -> tuple[float, int]:
    """(seconds for every item, items measured): a sample is timed and scaled to the whole."""
    measured = items if not sample or sample >= len(items) else items[:sample]
    started = time.monotonic()
    run(measured)
    elapsed = time.monotonic() - started
    return elapsed * len(items) / max(1, len(measured)), len(measured)


# --- Checking what a rollout left in the sandbox ---------------------------------------------------

def rollout_result(server, template, locations, rollout) -> dict:
    """Agents per location, missing or duplicated actions, and the write figures on both sides."""
    from agents.rollout.apply import FOUND_DONE_NOTE
    from agents.rollout.desired import desired_for_location
    from agents.rollout.versions import current_version
    from audit.models import AuditEvent

    snapshot = current_version(template).snapshot
    agents_per_location, incomplete = [], 0
    for location in locations:
        desired = desired_for_location(snapshot, location, template_id=template.pk)
        named = [a for a in server.state.agents_in(location.hl_id) if a["name"] == desired["agent"]["name"]]
        agents_per_location.append(len(named))
        for agent in named:
            kinds = sorted((a["type"], a["name"]) for a in server.state.actions_of(agent["id"]))
            if kinds != sorted((a["type"], a["name"]) for a in desired["actions"]):
                incomplete += 1
    stats = server.state.stats.as_dict()
    events = AuditEvent.objects.filter(verb=AuditEvent.Verb.REMOTE_WRITE, rollout=rollout)
    return {
        "exactly_one": sum(1 for n in agents_per_location if n == 1),
        "none": sum(1 for n in agents_per_location if n == 0),
        "duplicated": sum(1 for n in agents_per_location if n > 1),
        "incomplete": incomplete,
        "write_requests_received": sum(stats["by_method"].get(m, 0) for m in ("POST", "PUT", "PATCH", "DELETE")),
        "writes_applied": stats["writes"],
        "events": events.count(),
        "events_2xx": events.filter(http_status__lt=400).count(),
        "events_lost": events.filter(http_status__isnull=True).count(),
        "events_found_done": events.filter(message__contains=FOUND_DONE_NOTE).count(),
        "events_refused": events.filter(http_status__gte=400).count(),
    }
