"""python manage.py rollout TEMPLATE (--locations ID,ID | --all) [--plan-only] [--canary N] [--yes] [--inline]

For CI/CD: plan (reads only) and print the plan per location with its summary, ask before
applying (unless --yes), apply through the q cluster (or in this process with --inline),
follow the progress, and exit 1 when any target failed or could not be planned.
"""
import sys
import time
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agents.models import AgentTemplate, Location, Rollout
from agents.rollout import services
from agents.rollout.selectors import rollout_progress, rollout_targets
from backoffice.ids import parse_id


class Command(BaseCommand):
    help = "Plan and apply a template rollout; exits non-zero when any location failed."

    def add_arguments(self, parser):
        parser.add_argument("template", help="The template's name or id.")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--locations", help="Comma-separated location ids (HighLevel ids or database ids).")
        where.add_argument("--all", action="store_true", help="Every location.")
        parser.add_argument("--plan-only", action="store_true", help="Print the plan and stop; nothing is written.")
        parser.add_argument("--canary", type=int, default=0, metavar="N",
                            help="Apply to the first N locations, then ask before the rest.")
        parser.add_argument("--yes", action="store_true", help="Apply (and continue after the canary) without asking.")
        parser.add_argument("--inline", action="store_true", help="Apply in this process instead of the q cluster.")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between progress lines.")

    def handle(self, *args, **options):
        template = self._template(options["template"])
        locations = self._locations(options)
        strategy = Rollout.Strategy.CANARY if options["canary"] else Rollout.Strategy.ALL_AT_ONCE
        try:
            rollout = services.create_rollout(template, locations, strategy=strategy,
                                              canary_size=options["canary"], plan_inline=True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self._print_plan(rollout)
        if options["plan_only"]:
            services.cancel_rollout(rollout, reason="Plan only (CLI): nothing applied.")
            return
        if not self._confirmed(options, f"Apply rollout #{rollout.pk} to {len(locations)} locations?"):
            services.cancel_rollout(rollout, reason="Not confirmed at the command line.")
            self.stdout.write("Not applied.")
            return

        with self._task_mode(options["inline"]):
            services.confirm_rollout(rollout)
            rollout = self._follow(rollout, options["poll"])
            if rollout.status == Rollout.Status.PAUSED:
                if self._confirmed(options, f"The canary is done ({self._counts(rollout)}). Continue with the rest?"):
                    services.continue_rollout(rollout)
                    rollout = self._follow(rollout, options["poll"])
                else:
                    services.cancel_rollout(rollout, reason="Aborted after the canary (CLI).")
                    rollout.refresh_from_db()
        progress = rollout_progress(rollout)
        self._print_result(rollout, progress)
        if progress["failed"] or progress["outcomes"]["unplannable"] or rollout.status == Rollout.Status.CANCELLED:
            sys.exit(1)

    # --- input ---------------------------------------------------------------------------

    def _template(self, name_or_id: str) -> AgentTemplate:
        template = AgentTemplate.objects.filter(name=name_or_id).first()
        if template is None and parse_id(name_or_id) is not None:
            template = AgentTemplate.objects.filter(pk=parse_id(name_or_id)).first()
        if template is None:
            raise CommandError(f"No template named {name_or_id!r}.")
        return template

    def _locations(self, options) -> list:
        if options["all"]:
            locations = list(Location.objects.all())
        else:
            wanted = [part.strip() for part in options["locations"].split(",") if part.strip()]
            by_hl_id = {loc.hl_id: loc for loc in Location.objects.filter(hl_id__in=wanted)}
            by_pk = {str(loc.pk): loc for loc in Location.objects.filter(pk__in=[parse_id(w) for w in wanted if parse_id(w) is not None])}
            missing = [w for w in wanted if w not in by_hl_id and w not in by_pk]
            if missing:
                raise CommandError(f"Unknown locations: {', '.join(missing)}")
            locations = [by_hl_id.get(w) or by_pk[w] for w in wanted]
        if not locations:
            raise CommandError("No locations to roll out to.")
        return locations

    def _confirmed(self, options, question: str) -> bool:
        if options["yes"]:
            return True
        try:
            return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
        except EOFError:
            return False

    @contextmanager
    def _task_mode(self, inline: bool):
        """--inline: django-q2 runs each enqueued task right here, one after the other."""
        if not inline:
            yield
            return
        from django_q.conf import Conf

        previous, Conf.SYNC = Conf.SYNC, True
        try:
            yield
        finally:
            Conf.SYNC = previous

    # --- output --------------------------------------------------------------------------

    def _print_plan(self, rollout):
        self.stdout.write(f"Plan of rollout #{rollout.pk}: {rollout.template} v{rollout.template_version}")
        for target in rollout_targets(rollout):
            self.stdout.write(f"\n{target.location.name} ({target.location.hl_id}): {target.outcome or target.status}")
            for step in target.plan:
                self.stdout.write(f"  + {step['summary']}")
                for field, (before, after) in (step.get("changes") or {}).items():
                    if step["kind"] in ("update_agent", "update_action", "followup_settings"):
                        self.stdout.write(f"      {field}: {_short(before)} → {_short(after)}")
            if target.error:
                self.stdout.write(f"  ! {target.error}")
        self.stdout.write(f"\nSummary: {rollout_progress(rollout)['plan_summary']}")

    def _follow(self, rollout, poll: float):
        last = None
        while True:
            rollout.refresh_from_db()
            progress = rollout_progress(rollout)
            line = f"{progress['percent']:3d}% · {self._counts(rollout, progress)}"
            if line != last:
                self.stdout.write(line)
                last = line
            if rollout.status not in (Rollout.Status.RUNNING, Rollout.Status.PLANNING):
                return rollout
            time.sleep(poll)

    def _counts(self, rollout, progress=None) -> str:
        progress = progress or rollout_progress(rollout)
        shown = ("succeeded", "unchanged", "failed", "running", "queued", "skipped")
        return ", ".join(f"{progress['by_status'][s]} {s}" for s in shown if progress["by_status"][s])

    def _print_result(self, rollout, progress):
        for target in rollout_targets(rollout).filter(status="failed"):
            self.stdout.write(self.style.ERROR(f"FAILED {target.location.name}: {target.error}"))
            for summary in target.remaining:
                self.stdout.write(f"    left: {summary}")
        duration = progress["duration_seconds"]
        self.stdout.write(
            f"Rollout #{rollout.pk} {rollout.get_status_display().lower()}: {self._counts(rollout, progress)}; "
            f"{progress['writes']} writes, {progress['requests_sent']} requests, {progress['retries']} retries"
            + (f", {duration:.1f} s" if duration is not None else "")
        )


def _short(value, limit=80) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"
