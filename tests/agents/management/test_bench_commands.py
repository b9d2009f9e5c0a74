"""The benchmark and fault commands run end to end at tiny sizes (a real q cluster each) and print a verdict."""
import pytest
from django.core.management import call_command
from django.db import connection
from django_q.models import Task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cluster_uses_the_test_database(monkeypatch):
    """The q cluster is a separate process: point it at this test database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def test_bench_rollout_prints_both_tables_with_bound_ratio_and_loop(cluster_uses_the_test_database, capsys):
    call_command("bench_rollout", locations=3, latency_ms=5, workers=2, threads=2, per_task=2)
    out = capsys.readouterr().out
    assert "Rollout of a template with 5 actions (plan + apply):" in out and "Full sync of those locations:" in out
    assert out.count("ratio to bound") == 2 and out.count("speed-up over loop") == 2
    assert "3 succeeded, 0 failed, 21 writes" in out and "3 synced, 0 failed" in out
    # The shape asked for is the shape measured: this process enqueues, so it too takes --per-task.
    assert "2 q workers x 2 threads (2 targets or locations a task)" in out
    for label in ("plan targets", "apply targets", "sync locations"):
        assert Task.objects.filter(name__startswith=label).count() == 2, label  # 3 items, 2 a task


def test_faults_rollout_prints_its_checks_and_a_verdict(cluster_uses_the_test_database, capsys):
    # The fault mix itself is tested without a cluster (tests/agents/rollout); here: the command's machinery.
    call_command("faults_rollout", locations=3, latency_ms=0, workers=2, error_rate=0, timeout_rate=0,
                 drop_create_rate=0, bursts=0, hang_seconds=0.1)
    out = capsys.readouterr().out
    assert "targets succeeded                          3 of 3" in out or "3 of 3" in out
    assert "check: one REMOTE_WRITE per write request received  ok" in out or "REMOTE_WRITE" in out
    assert out.rstrip().endswith("PASS")


def test_kill_rollout_sigkills_the_cluster_and_the_restarted_one_finishes_exactly_once(
        cluster_uses_the_test_database, capsys):
    call_command("kill_rollout", locations=3, latency_ms=40, workers=2, kill_after=0.34, lease_seconds=2,
                 queued_grace_seconds=1, reap_at_start=True, max_minutes=1)
    out = capsys.readouterr().out
    assert "SIGKILL of the cluster's process group" in out and "exactly 1: 3" in out
    assert out.rstrip().endswith("PASS")


def test_the_smaller_benchmarks_run_on_a_database_an_earlier_benchmark_used(cluster_uses_the_test_database, capsys):
    call_command("bench_rollout", locations=2, latency_ms=0, workers=2, skip_loop=True)
    # Its rollouts protect its template: the next benchmark replaces both.
    call_command("bench_rollout_demo", locations=3, latency_ms=5, workers=2)
    out = capsys.readouterr().out
    assert "ratio to bound         n/a (no latency set)" in out  # no latency, no bound: not a crash
    assert "to 3 sandbox locations" in out
    assert "first rollout: writes" in out and out.split("same rollout again: writes")[1].split()[0] == "0"

    call_command("bench_sync", locations=3, latency_ms=5, workers=2)
    out = capsys.readouterr().out
    assert "Full sync of 3 locations" in out and "locations failed       0" in out and "speed-up over loop" in out
