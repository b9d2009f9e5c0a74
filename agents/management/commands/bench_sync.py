"""python manage.py bench_sync [--locations 25] [--latency-ms 50] [--workers 8] [--threads 5] [--per-task 10]

A full sync of N sandbox locations through the real path (django-q2 tasks run by a q cluster),
against a plain sequential loop over the same client doing the same reads: the script a user
would write instead. Use a scratch database:

    DATABASE_URL=sqlite:///var/bench.sqlite3 DEBUG=true python manage.py bench_sync
"""
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from agents import benchmarks
from agents.gateway import location_client
from agents.models import Location
from agents.sync import enqueue_sync_all, fetch_remote_agents


class Command(BaseCommand):
    help = "Benchmark a full sync through the q cluster against a sequential loop."

    def add_arguments(self, parser):
        parser.add_argument("--locations", type=int, default=25)
        parser.add_argument("--latency-ms", type=int, default=50)
        benchmarks.add_cluster_arguments(parser, items="Locations to sync")
        parser.add_argument("--skip-loop", action="store_true", help="Do not time the sequential loop.")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        latency = options["latency_ms"] / 1000
        with benchmarks.sandbox(options["locations"], options["latency_ms"]) as server:
            locations = benchmarks.replace_locations(server)
            in_flight = options["workers"] * options["threads"]
            with benchmarks.q_cluster(options["workers"], var / "bench-qcluster.log", env=benchmarks.cluster_env(options)):
                server.state.stats.clear()
                started = time.monotonic()
                enqueue_sync_all()
                done = benchmarks.wait_until(
                    lambda: not Location.objects.filter(sync_status__in=["queued", "running"]).exists(), timeout=3600)
                wall = time.monotonic() - started
            if not done:
                raise CommandError("The sync did not finish within an hour.")
            requests = server.state.stats.as_dict()["total"]
            failed = Location.objects.filter(sync_status="failed").count()
            per_location = max(len(server.state.agents_in(loc.hl_id)) * 2 + 1 for loc in locations)
            bound = benchmarks.lower_bound(per_location, requests, latency, in_flight)

            loop_wall = None
            if not options["skip_loop"]:
                started = time.monotonic()
                for location in Location.objects.all():
                    fetch_remote_agents(location_client(location))
                loop_wall = time.monotonic() - started

        self.stdout.write(f"Full sync of {len(locations)} locations, sandbox latency {options['latency_ms']} ms, "
                          f"{options['workers']} q workers x {options['threads']} threads, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}:")
        rows = [
            ("wall time (q cluster)", f"{wall:.2f} s"),
            ("locations failed", str(failed)),
            ("requests", str(requests)),
            ("lower bound", f"{bound:.2f} s  (max(chain {per_location} x latency, requests x latency / {in_flight} in flight))"),
            ("ratio to bound", f"{wall / bound:.2f}x" if bound else "n/a (no latency set)"),
        ]
        if loop_wall is not None:
            rows += [("sequential loop", f"{loop_wall:.2f} s"), ("speed-up over loop", f"{loop_wall / wall:.1f}x")]
        benchmarks.print_table(self.stdout, rows)
