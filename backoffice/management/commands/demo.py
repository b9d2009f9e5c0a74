"""python manage.py demo — the whole back office on one machine, with demo data.

Starts the HighLevel sandbox (25 seeded locations), migrates, creates the demo logins (a
superuser, and one user per role so the four-eyes rule can be tried), an agency
connection and the locations (most with a private integration token, a few through the agency
connection's OAuth tokens), queues a first sync, then runs the q cluster and the web server
until Ctrl-C.
"""
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from backoffice.processes import start_process_group, stop_process_groups

OAUTH_LOCATIONS = 5  # the last few demo locations get their tokens through the agency connection


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start the sandbox, the q cluster and the web server with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Web server port (loopback).")
        parser.add_argument("--sandbox-port", type=int, default=8765)
        parser.add_argument("--locations", type=int, default=25)
        parser.add_argument("--latency-ms", type=int, default=0, help="Added latency of every sandbox answer.")
        parser.add_argument("--no-serve", action="store_true", help="Set everything up, sync once, then stop.")
        parser.add_argument("--var-dir", type=Path, help="Where the logs and the sandbox's tokens go (default: var/).")

    def handle(self, *args, **options):
        # Stopped by Ctrl-C, by `kill` or by closing the terminal: each way, take the children down with us.
        handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _raise_keyboard_interrupt)
        var = options["var_dir"] or Path(settings.BASE_DIR) / "var"
        var.mkdir(parents=True, exist_ok=True)
        tokens_file = var / "sandbox-tokens.json"
        tokens_file.unlink(missing_ok=True)
        children = []
        try:
            sandbox = self._spawn(
                ["highlevel_sandbox", "--port", str(options["sandbox_port"]), "--locations", str(options["locations"]),
                 "--latency-ms", str(options["latency_ms"]), "--tokens-out", str(tokens_file)],
                var / "sandbox.log", env={},
            )
            children.append(sandbox)
            seeded = self._wait_for(tokens_file, sandbox)
            # Everything started from here on talks to the sandbox.
            os.environ["HIGHLEVEL_BASE_URL"] = settings.HIGHLEVEL_BASE_URL = seeded["base_url"]

            call_command("migrate", interactive=False, verbosity=0)
            logins = self._demo_users()
            self._demo_locations(seeded)

            if options["no_serve"]:
                call_command("sync", all=True, stdout=self.stdout)
                self.stdout.write(f"Logins:\n{self._logins_text(logins)}")
                return
            from agents.sync import enqueue_sync_all

            enqueue_sync_all()
            children.append(self._spawn(["qcluster"], var / "qcluster.log"))
            children.append(self._spawn(["runserver", f"127.0.0.1:{options['port']}", "--noreload"], var / "web.log"))
            url = f"http://127.0.0.1:{options['port']}/"
            self.stdout.write(self.style.SUCCESS(
                f"\nThe back office is running at {url}\n"
                f"  Log in as:\n{self._logins_text(logins)}"
                f"  HighLevel sandbox: {seeded['base_url']} ({len(seeded['locations'])} locations)\n"
                f"  Logs: {var}/web.log, qcluster.log, sandbox.log\n"
                f"Press Ctrl-C to stop.\n"
            ))
            while all(child.poll() is None for child in children):
                time.sleep(1)
            raise CommandError(f"A demo process stopped; see the logs in {var}.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            # A second Ctrl-C must not cut the stopping short and leave the children running.
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            # The sandbox last, so that a sync still running ends as it would, not on a refused connection.
            stop_process_groups(children[1:], grace_seconds=10)
            stop_process_groups(children[:1], grace_seconds=10)
            for signum, handler in handlers.items():  # as they were: a caller in-process (a test) goes on
                signal.signal(signum, handler)

    def _spawn(self, manage_args, log_path, env=None):
        """A child in its own process group (backoffice.processes): the terminal's Ctrl-C reaches
        this command only, and this command stops each child once."""
        log = open(log_path, "w")  # noqa: SIM115 - lives as long as the child
        return start_process_group([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *manage_args],
                                   log=log, env={**os.environ, **(env or {})})

    def _wait_for(self, tokens_file, sandbox, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if sandbox.poll() is not None:
                raise CommandError(f"The sandbox did not start; see {tokens_file.parent / 'sandbox.log'}.")
            if tokens_file.exists() and tokens_file.stat().st_size:
                try:
                    return json.loads(tokens_file.read_text())
                except json.JSONDecodeError:
                    pass  # still being written
            time.sleep(0.2)
        raise CommandError("The sandbox did not write its tokens file in time.")

    def _demo_users(self):
        """The superuser `demo`, and one user per role (backoffice.permissions), with fresh passwords."""
        from django.contrib.auth.models import Group

        from backoffice.permissions import APPROVER, MANAGER, VIEWER

        logins = []
        for username, role, what in [
            ("demo", None, "superuser: everything"),
            ("manager", MANAGER, "Manager: sync, templates, rollouts, asks for deletions"),
            ("approver", APPROVER, "Approver: reviews deletions"),
            ("viewer", VIEWER, "Viewer: reads everything"),
        ]:
            password = secrets.token_urlsafe(9)
            user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            # Staff opens the admin; the group decides what each role may do there.
            user.is_staff = True
            user.is_superuser = role is None
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)] if role else [])
            logins.append((username, password, what))
        return logins

    @staticmethod
    def _logins_text(logins):
        return "".join(f"    {name} / {password}  ({what})\n" for name, password, what in logins)

    def _demo_locations(self, seeded):
        from agents.models import AgencyConnection, Location

        agency = seeded["agency"]
        connection, _ = AgencyConnection.objects.update_or_create(
            company_id=agency["companyId"],
            defaults={"name": "Demo agency", "client_id": agency["clientId"], "client_secret": agency["clientSecret"],
                      "refresh_token": agency["refreshToken"], "app_id": agency.get("appId", "demo-app"),
                      "access_token": "", "access_token_expires_at": None},
        )
        rows = seeded["locations"]
        for index, row in enumerate(rows):
            through_oauth = index >= len(rows) - OAUTH_LOCATIONS
            Location.objects.update_or_create(
                hl_id=row["locationId"],
                defaults={"name": row["name"], "pit": "" if through_oauth else row["token"],
                          "connection": connection if through_oauth else None,
                          "location_token": "", "location_token_expires_at": None,
                          "variables": {"business_name": row["name"].split(" — ")[0]}},
            )
