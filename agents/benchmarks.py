"""Shared parts of the benchmark commands (bench_sync, bench_rollout).

A benchmark runs the real path: the sandbox over HTTP with a set latency, the q cluster in its
own processes, the database as configured. Point DATABASE_URL at a scratch database: the
benchmark replaces every Location in it.
"""
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django_q.tasks import async_task, result

from agents.highlevel.sandbox import SandboxServer, SandboxState
from agents.models import Location


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


def replace_locations(server) -> list[Location]:
    """One Location per sandbox location, with its PIT; nothing else left from earlier runs."""
    Location.objects.all().delete()
    return Location.objects.bulk_create(
        [Location(hl_id=row["locationId"], name=row["name"], pit=row["token"]) for row in server.state.location_summaries()]
    )


@contextmanager
def q_cluster(workers: int, log_path: Path):
    """A real `manage.py qcluster` in its own processes, ready when the block starts."""
    env = {**os.environ, "Q_WORKERS": str(workers)}
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "qcluster"],
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        probe = async_task("math.copysign", 1, 1)
        if result(probe, wait=60_000) is None:
            raise RuntimeError(f"The q cluster did not start; see {log_path}.")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


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
