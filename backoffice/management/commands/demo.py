"""python manage.py demo — the whole back office on one machine, with demo data.

Starts the HighLevel sandbox (25 seeded locations), migrates, creates the demo logins (a
superuser, and one user per role so the four-eyes rule can be tried) and the locations: most
with a private integration token, the last few through the agency's install (the authorization
page, its code, the code exchange: install.oauth, as "Connect HighLevel" does). Queues a first
sync, then runs the q cluster and the web server until Ctrl-C; the sandbox posts its signed
webhooks to the web server.
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
                 "--latency-ms", str(options["latency_ms"]), "--tokens-out", str(tokens_file),
                 # The app is installed nowhere yet: the agency connects through the install below.
                 "--not-installed", "--webhook-url", f"http://127.0.0.1:{options['port']}/highlevel/webhooks/"],
                var / "sandbox.log", env={},
            )
            children.append(sandbox)
            seeded = self._wait_for(tokens_file, sandbox)
            # Everything started from here on talks to the sandbox.
            os.environ["HIGHLEVEL_BASE_URL"] = settings.HIGHLEVEL_BASE_URL = seeded["base_url"]
            self._use_the_sandbox_app(seeded)

            call_command("migrate", interactive=False, verbosity=0)
            logins = self._demo_users()
            self._demo_locations(seeded, redirect_uri=f"http://127.0.0.1:{options['port']}/highlevel/connect/done/")

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
                f"  HighLevel sandbox: {seeded['base_url']} ({len(seeded['locations'])} locations); "
                f"a new client signs up at {seeded['base_url']}/_sandbox/sign-up\n"
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

    @staticmethod
    def _use_the_sandbox_app(seeded):
        """The sandbox plays the back office's marketplace app; its test key signs the webhooks, beside HighLevel's."""
        from agents.highlevel.sandbox.webhook_sender import SANDBOX_WEBHOOK_PUBLIC_KEY

        agency = seeded["agency"]
        values = {
            "HIGHLEVEL_MARKETPLACE_URL": seeded["base_url"], "HIGHLEVEL_CLIENT_ID": agency["clientId"],
            "HIGHLEVEL_CLIENT_SECRET": agency["clientSecret"], "HIGHLEVEL_APP_ID": agency["appId"],
            "HIGHLEVEL_WEBHOOK_PUBLIC_KEYS": ",".join([*settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS, SANDBOX_WEBHOOK_PUBLIC_KEY]),
        }
        for name, value in values.items():  # for this process, and the q cluster and web server it starts
            os.environ[name] = value
            setattr(settings, name, value.split(",") if name == "HIGHLEVEL_WEBHOOK_PUBLIC_KEYS" else value)

    def _demo_locations(self, seeded, *, redirect_uri):
        from agents.models import Location

        rows = seeded["locations"]
        for index, row in enumerate(rows):
            if index >= len(rows) - OAUTH_LOCATIONS:
                continue  # these come through the agency's install, below
            Location.objects.update_or_create(
                hl_id=row["locationId"],
                defaults={"name": row["name"], "pit": row["token"], "connection": None,
                          "location_token": "", "location_token_expires_at": None,
                          "variables": {"business_name": row["name"].split(" — ")[0]}},
            )
        connection = self._connect_through_the_install(redirect_uri)
        for location in Location.objects.filter(connection=connection):
            location.variables = {"business_name": location.name.split(" — ")[0], **location.variables}
            location.save(update_fields=["variables"])

    @staticmethod
    def _connect_through_the_install(redirect_uri):
        """What a manager's "Connect HighLevel" does, with the sandbox's authorization page answered
        here as the agency admin would answer it: the whole agency, approved. The sub-accounts that
        have a private integration token keep it; the others get the agency's."""
        from urllib.parse import parse_qs, urlsplit

        import requests

        from install import oauth

        session = {}
        authorization = urlsplit(oauth.start(session, redirect_uri))
        form = {key: values[0] for key, values in parse_qs(authorization.query).items()}
        # The whole agency: the app is installed on its sub-accounts, and on every new one (a sign-up).
        form.update(target="agency", decision="approve")
        answer = requests.post(f"{authorization.scheme}://{authorization.netloc}{authorization.path}", data=form,
                               allow_redirects=False, timeout=10)
        if answer.status_code != 302:
            raise CommandError(f"The sandbox's authorization page answered {answer.status_code}.")
        back = {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
        connected = oauth.finish(session, back)
        connected.connection.name = "Demo agency"
        connected.connection.save(update_fields=["name"])
        return connected.connection
