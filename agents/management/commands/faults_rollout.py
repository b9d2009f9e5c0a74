"""python manage.py faults_rollout [--locations 100] [--latency-ms 20]

The issue's fault test, with a verdict. The benchmark's rollout (a template with 5 actions)
goes through the real path (a q cluster in its own processes) while the sandbox answers 10%
of requests 5xx, lets 5% hang past the client's timeout (and then handles them, as the live
service can), answers bursts of 429 and drops the answers of 10% of creates. PASS when:

- every target succeeded (after the automatic retries; the command retries failed targets as
  a manager would, and says how often it had to);
- every location has exactly one agent of the template, with its 5 actions;
- every write request the sandbox received is one REMOTE_WRITE audit event, and the writes it
  applied lie between the events answered 2xx and those plus the lost answers (a lost answer
  may or may not have been applied; nothing else can make them differ).

Exits non-zero on FAIL. Use a scratch database (it replaces every Location, rollout and template).
"""
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from agents import benchmarks
from agents.models import Rollout, RolloutTarget
from agents.rollout import services


class Command(BaseCommand):
    help = "Roll out under 5xx, timeouts, 429 bursts and dropped create answers; PASS when it converges exactly."

    def add_arguments(self, parser):
        parser.add_argument("--locations", type=int, default=100)
        parser.add_argument("--latency-ms", type=int, default=20)
        parser.add_argument("--workers", type=int, default=16)
        parser.add_argument("--timeout", type=float, default=1.0, help="The client's timeout (HIGHLEVEL_TIMEOUT), s.")
        parser.add_argument("--hang-seconds", type=float, default=2.0,
                            help="How long a timed-out request hangs before the sandbox handles it anyway.")
        parser.add_argument("--max-minutes", type=float, default=15)
        parser.add_argument("--error-rate", type=float, default=0.10)
        parser.add_argument("--timeout-rate", type=float, default=0.05)
        parser.add_argument("--drop-create-rate", type=float, default=0.10)
        parser.add_argument("--bursts", type=int, default=5, help="429s in each burst (0: none), one burst every 20 s.")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        timeout, hang = options["timeout"], options["hang_seconds"]
        env = {
            "HIGHLEVEL_TIMEOUT": str(timeout),
            # Longer than the client's timeout plus the hang: a late create has landed by then.
            "ROLLOUT_LOST_ANSWER_WAIT_SECONDS": str(timeout + hang + 3),
            "ROLLOUT_RETRY_AFTER_SECONDS": "3",
            "ROLLOUT_MAX_ATTEMPTS": "6",
        }
        faults = dict(error_rate=options["error_rate"], timeout_rate=options["timeout_rate"], timeout_seconds=hang,
                      drop_create_rate=options["drop_create_rate"])
        with benchmarks.sandbox(options["locations"], options["latency_ms"]) as server:
            locations = benchmarks.seed_rollout_locations(server)
            template = benchmarks.make_template()
            with benchmarks.q_cluster(options["workers"], var / "faults-rollout-qcluster.log", env=env):
                server.state.stats.clear()
                server.state.faults.update(**faults)
                bursts = BurstsOf429(server, burst=options["bursts"])
                bursts.start()
                started = time.monotonic()
                try:
                    rollout, manager_retries = self._roll_out(template, locations, options["max_minutes"] * 60)
                finally:
                    bursts.stop()
                wall = time.monotonic() - started
                time.sleep(hang + 1)  # requests still hanging in the sandbox land (or not) before counting
            result = benchmarks.rollout_result(server, template, locations, rollout)
            by_status = dict(server.state.stats.as_dict()["by_status"])
        statuses = {status: rollout.targets.filter(status=status).count() for status in RolloutTarget.Status.values}
        checks = {
            "every target succeeded": statuses[RolloutTarget.Status.SUCCEEDED] == len(locations),
            "exactly one agent per location": result["exactly_one"] == len(locations),
            "no action missing or duplicated": result["incomplete"] == 0,
            "one REMOTE_WRITE per write request received": result["events"] == result["write_requests_received"],
            "applied writes match the audit": result["events_2xx"] <= result["writes_applied"]
                                              <= result["events_2xx"] + result["events_lost"],
        }
        self.stdout.write(f"Rollout of a template with 5 actions to {len(locations)} locations under faults "
                          f"({options['error_rate']:.0%} 5xx, {options['timeout_rate']:.0%} timeouts of {hang:g} s against "
                          f"a {timeout:g} s client timeout, bursts of up to {options['bursts']} 429s within 1 s every 20 s, "
                          f"{options['drop_create_rate']:.0%} dropped create answers), {options['workers']} q workers, "
                          f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}:")
        benchmarks.print_table(self.stdout, [
            ("wall time", f"{wall:.1f} s"),
            ("answers the sandbox gave", ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items()))),
            ("targets succeeded", f"{statuses['succeeded']} of {len(locations)}"
                                  f" (retried by the manager: {manager_retries})"),
            ("agents per location", f"exactly 1: {result['exactly_one']}, none: {result['none']}, "
                                    f"more than 1: {result['duplicated']}; incomplete: {result['incomplete']}"),
            ("write requests received by the sandbox", str(result["write_requests_received"])),
            ("REMOTE_WRITE audit events", f"{result['events']} (answered 2xx: {result['events_2xx']}, refused 4xx/5xx: "
                                          f"{result['events_refused']}, answer lost: {result['events_lost']})"),
            ("writes applied by the sandbox", f"{result['writes_applied']} (2xx events + lost answers that landed)"),
        ] + [(f"check: {name}", "ok" if ok else "FAILED") for name, ok in checks.items()])
        if all(checks.values()):
            self.stdout.write("PASS")
            return
        self.stdout.write("FAIL")
        raise CommandError("The rollout under faults did not converge exactly; see the checks above.")

    def _roll_out(self, template, locations, max_seconds):
        rollout = services.create_rollout(template, locations)
        ended = (Rollout.Status.FINISHED, Rollout.Status.FAILED)
        if not benchmarks.wait_until(lambda: Rollout.objects.get(pk=rollout.pk).status != Rollout.Status.PLANNING,
                                     timeout=max_seconds):
            raise CommandError("Planning did not finish in time.")
        rollout.refresh_from_db()
        services.confirm_rollout(rollout)
        manager_retries = 0
        deadline = time.monotonic() + max_seconds
        while True:
            benchmarks.wait_until(lambda: Rollout.objects.get(pk=rollout.pk).status in ended,
                                  timeout=max(1, deadline - time.monotonic()))
            rollout.refresh_from_db()
            if rollout.status not in ended:
                raise CommandError(f"The rollout did not finish within {max_seconds / 60:g} minutes.")
            if rollout.status == Rollout.Status.FINISHED or manager_retries >= 3:
                return rollout, manager_retries
            manager_retries += 1
            services.retry_targets(rollout)


class BurstsOf429(threading.Thread):
    """Now and then, for a second, the sandbox answers up to 5 requests 429, as a busy service does.

    Bounded in time as well as in number: "the next 5 requests" alone would, once little traffic
    is left, always hit the same last target's retries, which no real burst does.
    """

    def __init__(self, server, every_seconds: float = 20.0, burst: int = 5, lasting_seconds: float = 1.0):
        super().__init__(daemon=True)
        self.server, self.every, self.burst, self.lasting = server, every_seconds, burst, lasting_seconds
        self.stopping = threading.Event()

    def run(self):
        while self.burst and not self.stopping.wait(self.every):
            self.server.state.faults.update(rate_limit_burst=self.burst)
            self.stopping.wait(self.lasting)
            self.server.state.faults.update(rate_limit_burst=0)

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)
