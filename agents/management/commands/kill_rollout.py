"""python manage.py kill_rollout [--locations 100] [--latency-ms 50] [--kill-after 0.4]

The issue's crash test, with a verdict. A rollout of the benchmark template (5 actions) runs in a
real q cluster; when a share of its targets is done the whole cluster (its process group:
sentinel, pusher, monitor, workers) is killed with SIGKILL, mid-request, leases held and tasks
in memory. A new cluster is started and the command waits: the reaper schedule re-queues the
targets left "running" once their write lease expires and the queued ones whose task was lost,
and the ORM broker hands out the unacknowledged tasks again. PASS when every target succeeded,
every location has exactly one agent of the template with its 5 actions (nothing lost, nothing
duplicated), and every write the sandbox applied has its audit event. A write in flight at the kill
(the process died before it read the answer) is recorded by the run that resumes its target, which
finds it done in HighLevel with no event naming it.
"""
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_q.tasks import async_task

from agents import benchmarks
from agents.models import Rollout, RolloutTarget
from agents.rollout import services
from backoffice.processes import stop_process_groups

TargetStatus = RolloutTarget.Status


class Command(BaseCommand):
    help = "SIGKILL the q cluster mid-rollout, start it again, and check that the rollout finishes exactly once."

    def add_arguments(self, parser):
        parser.add_argument("--locations", type=int, default=100)
        parser.add_argument("--latency-ms", type=int, default=50)
        benchmarks.add_cluster_arguments(parser, items="Rollout targets")
        parser.add_argument("--kill-after", type=float, default=0.4, help="Share of targets done at the kill.")
        parser.add_argument("--lease-seconds", type=float, default=20,
                            help="ROLLOUT_LEASE_SECONDS for both clusters (the default setting is 60).")
        parser.add_argument("--queued-grace-seconds", type=float, default=30,
                            help="ROLLOUT_QUEUED_GRACE_SECONDS for both clusters (the default setting is 120).")
        parser.add_argument("--max-minutes", type=float, default=10)
        parser.add_argument("--reap-at-start", action="store_true",
                            help="Wait out the lease, then run the reaper as soon as the new cluster runs and every "
                                 "few seconds, instead of its schedule (first pass ~30 s after a start); for tests.")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        log = var / "kill-rollout-qcluster.log"
        log.write_text("")
        env = {**benchmarks.cluster_env(options), "ROLLOUT_LEASE_SECONDS": str(options["lease_seconds"]),
               "ROLLOUT_QUEUED_GRACE_SECONDS": str(options["queued_grace_seconds"])}
        workers = options["workers"]
        with benchmarks.sandbox(options["locations"], options["latency_ms"]) as server:
            locations = benchmarks.seed_rollout_locations(server)
            template = benchmarks.make_template()
            total = len(locations)
            with benchmarks.q_cluster(workers, log, env=env) as cluster:
                started = time.monotonic()
                rollout = services.create_rollout(template, locations)
                if not benchmarks.wait_until(lambda: Rollout.objects.get(pk=rollout.pk).status == Rollout.Status.PLANNED,
                                             timeout=600):
                    raise CommandError("Planning did not finish.")
                services.confirm_rollout(rollout)
                benchmarks.wait_until(lambda: self._done(rollout) >= options["kill_after"] * total, timeout=600, poll=0.02)
                stop_process_groups([cluster], kill=True)
                killed_at = time.monotonic()
                at_kill = self._statuses(rollout)
            if options["reap_at_start"]:
                time.sleep(options["lease_seconds"])
            with benchmarks.q_cluster(workers, log, env=env):
                restarted_at = time.monotonic()
                reaped_at = [0.0]

                def finished_yet():
                    # With --reap-at-start the reaper runs every few seconds, as its schedule would every minute.
                    if options["reap_at_start"] and time.monotonic() - reaped_at[0] > 3:
                        async_task("agents.tasks.reap_rollout_targets")
                        reaped_at[0] = time.monotonic()
                    return Rollout.objects.get(pk=rollout.pk).status in (Rollout.Status.FINISHED, Rollout.Status.FAILED)

                finished = benchmarks.wait_until(finished_yet, timeout=options["max_minutes"] * 60, poll=0.2)
                ended_at = time.monotonic()
            time.sleep(0.5)
            result = benchmarks.rollout_result(server, template, locations, rollout)
        rollout.refresh_from_db()
        after = self._statuses(rollout)
        unaudited = result["writes_applied"] - result["events_2xx"] - result["events_lost"]
        checks = {
            "the rollout finished": finished and rollout.status == Rollout.Status.FINISHED,
            "every target succeeded": after.get(TargetStatus.SUCCEEDED, 0) + after.get(TargetStatus.UNCHANGED, 0) == total,
            "exactly one agent per location": result["exactly_one"] == total,
            "no action missing or duplicated": result["incomplete"] == 0,
            "every applied write audited, those in flight at the kill included": unaudited == 0,
        }
        self.stdout.write(f"Rollout of a template with 5 actions to {total} locations, {workers} q workers, "
                          f"latency {options['latency_ms']} ms, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
                          f"lease {options['lease_seconds']:g} s, queued grace {options['queued_grace_seconds']:g} s:")
        benchmarks.print_table(self.stdout, [
            ("SIGKILL of the cluster's process group", f"{killed_at - started:.1f} s after the start"),
            ("targets at the kill", self._describe(at_kill)),
            ("finished after the restart", f"{ended_at - restarted_at:.1f} s" if finished else "not within the limit"),
            ("targets at the end", self._describe(after)),
            ("agents per location", f"exactly 1: {result['exactly_one']}, none: {result['none']}, "
                                    f"more than 1: {result['duplicated']}; incomplete: {result['incomplete']}"),
            ("writes applied by the sandbox", str(result["writes_applied"])),
            ("REMOTE_WRITE audit events", f"{result['events']} (answered 2xx: {result['events_2xx']}, answer lost "
                                          f"or found done after the kill: {result['events_lost']}, of which "
                                          f"found done: {result['events_found_done']})"),
            ("applied, never audited", str(unaudited)),
        ] + [(f"check: {name}", "ok" if ok else "FAILED") for name, ok in checks.items()])
        if all(checks.values()):
            self.stdout.write("PASS")
            return
        self.stdout.write("FAIL")
        raise CommandError("The rollout did not recover exactly from the kill; see the checks above.")

    @staticmethod
    def _done(rollout) -> int:
        return rollout.targets.filter(status__in=[TargetStatus.SUCCEEDED, TargetStatus.UNCHANGED]).count()

    @staticmethod
    def _statuses(rollout) -> dict:
        return {status: rollout.targets.filter(status=status).count() for status in TargetStatus.values
                if rollout.targets.filter(status=status).exists()}

    @staticmethod
    def _describe(statuses: dict) -> str:
        return ", ".join(f"{status} {count}" for status, count in statuses.items())
