"""python manage.py bench_rollout_demo [--locations 25] [--latency-ms 50] [--workers 8]

One template with 5 actions and follow-up settings rolled out to N sandbox locations through
the real path (plan tasks and apply tasks run by a q cluster), then the same rollout again.
Reports wall time, requests sent, retries and writes of each run; the second must write nothing.
Use a scratch database (the benchmark replaces every Location in it):

    DATABASE_URL=sqlite:///var/bench.sqlite3 DEBUG=true python manage.py bench_rollout_demo
"""
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from agents import benchmarks
from agents.models import Rollout
from agents.rollout import services
from agents.rollout.selectors import rollout_progress

class Command(BaseCommand):
    help = "Benchmark a template rollout (5 actions) to the sandbox locations, and the same rollout again."

    def add_arguments(self, parser):
        parser.add_argument("--locations", type=int, default=25)
        parser.add_argument("--latency-ms", type=int, default=50)
        parser.add_argument("--workers", type=int, default=8)

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        with benchmarks.sandbox(options["locations"], options["latency_ms"]) as server:
            locations = benchmarks.seed_rollout_locations(server)
            template = benchmarks.make_template()
            with benchmarks.q_cluster(options["workers"], var / "bench-rollout-qcluster.log"):
                first = self._run(server, template, locations)
                second = self._run(server, template, locations)
        self.stdout.write(
            f"Rollout of one template with {len(benchmarks.ACTIONS)} actions to {len(locations)} sandbox locations, "
            f"latency {options['latency_ms']} ms, {options['workers']} q workers, "
            f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}:")
        rows = []
        for label, run in (("first rollout", first), ("same rollout again", second)):
            rows += [
                (f"{label}: wall time", f"{run['wall']:.2f} s (plan {run['plan']:.2f} s + apply {run['apply']:.2f} s)"),
                (f"{label}: targets", run["summary"]),
                (f"{label}: requests sent", str(run["requests"])),
                (f"{label}: retries", str(run["retries"])),
                (f"{label}: writes", str(run["writes"])),
            ]
        benchmarks.print_table(self.stdout, rows)
        if second["writes"] != 0 or first["failed"] or second["failed"]:
            raise CommandError("The rollout did not converge: see the figures above.")

    def _run(self, server, template, locations) -> dict:
        server.state.stats.clear()
        started = time.monotonic()
        rollout = services.create_rollout(template, locations)
        if not benchmarks.wait_until(lambda: Rollout.objects.get(pk=rollout.pk).status != Rollout.Status.PLANNING, timeout=3600):
            raise CommandError("Planning did not finish within an hour.")
        planned = time.monotonic()
        rollout.refresh_from_db()
        services.confirm_rollout(rollout)
        done = benchmarks.wait_until(
            lambda: Rollout.objects.get(pk=rollout.pk).status in (Rollout.Status.FINISHED, Rollout.Status.FAILED),
            timeout=3600)
        finished = time.monotonic()
        if not done:
            raise CommandError("The rollout did not finish within an hour.")
        rollout.refresh_from_db()
        progress = rollout_progress(rollout)
        stats = server.state.stats.as_dict()
        return {
            "wall": finished - started, "plan": planned - started, "apply": finished - planned,
            "requests": stats["total"], "writes": stats["writes"],
            # The client's own retries during apply (planning reads are retried too, but not counted per target).
            "retries": progress["retries"],
            "failed": progress["failed"],
            "summary": f"{progress['plan_summary']}; {progress['by_status']['succeeded']} succeeded, "
                       f"{progress['by_status']['unchanged']} unchanged, {progress['failed']} failed",
        }
