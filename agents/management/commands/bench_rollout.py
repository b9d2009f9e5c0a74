"""python manage.py bench_rollout [--locations 1000] [--latency-ms 50] [--workers 8] [--threads 5] [--per-task 10]
                                [--loop-sample N]

The issue's benchmark. The sandbox answers every call after a set latency; N locations are
seeded; a template with 5 actions is rolled out through the real path (plan tasks, then apply
tasks, run by a `qcluster` in its own processes), then every location is synced the same way.
For each it prints the wall time, the requests, the lower bound no implementation can beat,
max(chain x latency, requests x latency / (workers x threads)), the ratio to it, and the wall time of a
plain sequential loop over the same client doing the same work (what a user would script).
With --loop-sample the loops run on the first N locations and are scaled to all of them.

Use a scratch database; the benchmark replaces every Location, rollout and template in it:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench DEBUG=true python manage.py bench_rollout
"""
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Sum

from agents import benchmarks
from agents.models import Location, Rollout
from agents.rollout import services
from agents.rollout.selectors import rollout_progress
from agents.sync import enqueue_sync_all


class Command(BaseCommand):
    help = "Benchmark a 5-action template rollout and a full sync through the q cluster against sequential loops."

    def add_arguments(self, parser):
        parser.add_argument("--locations", type=int, default=1000)
        parser.add_argument("--latency-ms", type=int, default=50)
        benchmarks.add_cluster_arguments(parser, items="Rollout targets, or locations to sync,")
        parser.add_argument("--loop-sample", type=int, default=0,
                            help="Time the sequential loops on this many locations and scale (0: all).")
        parser.add_argument("--skip-loop", action="store_true", help="Do not time the sequential loops.")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        latency, workers = options["latency_ms"] / 1000, options["workers"]
        # At most this many targets (or locations syncing) are in flight at once.
        concurrency = {"rollout": workers * options["threads"], "sync": workers * options["threads"]}
        with benchmarks.sandbox(options["locations"], options["latency_ms"]) as server:
            locations = benchmarks.seed_rollout_locations(server)
            template = benchmarks.make_template()
            with benchmarks.q_cluster(workers, var / "bench-rollout-qcluster.log", env=benchmarks.cluster_env(options)):
                rollout_run = self._rollout(server, template, locations)
                sync_run = self._sync(server, locations)
            loops = {}
            if not options["skip_loop"]:
                loops["sync"] = benchmarks.timed_loop(benchmarks.scripted_sync, locations, options["loop_sample"])
                server.state.reset()  # the loop does the rollout's work again, on the world as it was
                server.state.faults.update(latency_ms=options["latency_ms"])
                loops["rollout"] = benchmarks.timed_loop(lambda some: benchmarks.scripted_rollout(template, some),
                                                         locations, options["loop_sample"])
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(f"{len(locations)} sandbox locations, latency {options['latency_ms']} ms, {workers} q workers "
                          f"x {options['threads']} threads ({options['per_task']} targets or locations a task), "
                          f"{database}, broker {'redis' if settings.REDIS_URL else 'orm'}")
        failed = False
        for title, run, loop, flows in (
            (f"Rollout of a template with {len(benchmarks.ACTIONS)} actions (plan + apply)", rollout_run,
             loops.get("rollout"), concurrency["rollout"]),
            ("Full sync of those locations", sync_run, loops.get("sync"), concurrency["sync"]),
        ):
            bound = benchmarks.lower_bound(run["chain"], run["requests"], latency, flows)
            self.stdout.write(title + ":")
            rows = [("wall time (q cluster)", f"{run['wall']:.2f} s{run.get('phases', '')}"),
                    ("outcome", run["outcome"]),
                    ("requests", f"{run['requests']} ({run['chain']} per location in a chain)"),
                    ("lower bound", f"{bound:.2f} s  = max({run['chain']} x {latency:g} s, "
                                    f"{run['requests']} x {latency:g} s / {flows} in flight)"),
                    ("ratio to bound", f"{run['wall'] / bound:.2f}x" if bound else "n/a (no latency set)")]
            if loop:
                loop_wall, measured = loop
                scaled = "" if measured == len(locations) else f" (measured on {measured} locations, scaled)"
                rows += [("sequential loop", f"{loop_wall:.2f} s{scaled}"),
                         ("speed-up over loop", f"{loop_wall / run['wall']:.1f}x")]
            benchmarks.print_table(self.stdout, rows)
            failed = failed or run["failed"]
        if failed:
            raise CommandError("Some locations failed: see the figures above.")

    def _rollout(self, server, template, locations) -> dict:
        server.state.stats.clear()
        started = time.monotonic()
        rollout = services.create_rollout(template, locations)
        if not benchmarks.wait_until(lambda: Rollout.objects.get(pk=rollout.pk).status != Rollout.Status.PLANNING,
                                     timeout=3600, poll=0.05):
            raise CommandError("Planning did not finish within an hour.")
        planned = time.monotonic()
        rollout.refresh_from_db()
        plan_requests = server.state.stats.as_dict()["total"]
        services.confirm_rollout(rollout)
        if not benchmarks.wait_until(lambda: Rollout.objects.get(pk=rollout.pk).status in (
                Rollout.Status.FINISHED, Rollout.Status.FAILED), timeout=3600, poll=0.05):
            raise CommandError("The rollout did not finish within an hour.")
        finished = time.monotonic()
        rollout.refresh_from_db()
        progress = rollout_progress(rollout)
        requests = server.state.stats.as_dict()["total"]
        longest_apply = rollout.targets.aggregate(n=Max("requests_sent"))["n"] or 0
        # The chain of one location: its planning reads (the same for every new location), then its apply.
        chain = round(plan_requests / max(1, len(locations))) + longest_apply
        return {
            "wall": finished - started, "phases": f" (plan {planned - started:.2f} s + apply {finished - planned:.2f} s)",
            "requests": requests, "chain": chain, "failed": progress["failed"],
            "outcome": f"{progress['by_status']['succeeded']} succeeded, {progress['failed']} failed, "
                       f"{rollout.targets.aggregate(n=Sum('writes'))['n'] or 0} writes, {progress['retries']} retries",
        }

    def _sync(self, server, locations) -> dict:
        server.state.stats.clear()
        started = time.monotonic()
        enqueue_sync_all()
        if not benchmarks.wait_until(
                lambda: not Location.objects.filter(sync_status__in=["queued", "running"]).exists(), timeout=3600, poll=0.05):
            raise CommandError("The sync did not finish within an hour.")
        wall = time.monotonic() - started
        failed = Location.objects.filter(sync_status="failed").count()
        # A location's chain: its search, then a get and an action list per agent, one after another.
        chain = max(len(server.state.agents_in(loc.hl_id)) * 2 + 1 for loc in locations)
        return {"wall": wall, "requests": server.state.stats.as_dict()["total"], "chain": chain, "failed": failed,
                "outcome": f"{len(locations) - failed} synced, {failed} failed"}
