"""Run the local HighLevel sandbox: a stand-in for the real service, for the demo and for tests."""
from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agents.highlevel.sandbox import SandboxServer, SandboxState


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = (
        "Serve the local HighLevel sandbox on loopback until interrupted (Ctrl-C). "
        "--tokens-out FILE writes one JSON object holding both the sub-accounts and the agency "
        "connection: {\"base_url\": ..., \"locations\": [{\"locationId\", \"name\", \"token\"}, ...], "
        "\"agency\": {\"companyId\", \"clientId\", \"clientSecret\", \"refreshToken\", \"appId\"}}. "
        "Point HIGHLEVEL_BASE_URL at base_url to use it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--locations", type=int, default=25, help="sub-accounts to seed (default 25)")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same world (default 1)")
        parser.add_argument("--latency-ms", type=int, default=0, help="added to every answer (default 0)")
        parser.add_argument("--rate-limit", type=int, default=100, help="requests per 10 s per location")
        parser.add_argument("--tokens-out", type=Path, help="where to write the tokens file (JSON)")
        parser.add_argument("--webhook-url", default="",
                            help="where to post the signed webhooks of /_sandbox/sign-up (the back office's "
                                 "/highlevel/webhooks/)")
        parser.add_argument("--not-installed", action="store_true",
                            help="the app installed nowhere yet: the agency connects through the install")

    def handle(self, *args, **options):
        host = options["host"]
        if not is_loopback(host):
            # The sandbox hands out tokens to anyone who asks /_sandbox: never on a real interface.
            raise CommandError(f"refusing to listen on {host}: the sandbox serves loopback only")
        state = SandboxState(locations=options["locations"], seed=options["seed"], rate_limit=options["rate_limit"])
        state.webhook_url = options["webhook_url"]
        if options["not_installed"]:
            from agents.highlevel.sandbox.install_api import uninstall_everywhere

            uninstall_everywhere(state)
        if options["latency_ms"]:
            state.faults.update(latency_ms=options["latency_ms"])
        try:
            server = SandboxServer(host, options["port"], state)
        except OSError as error:
            raise CommandError(f"cannot listen on {host}:{options['port']}: {error}") from error
        if options["tokens_out"]:
            self._write_tokens(options["tokens_out"], server)
        self.stdout.write(self.style.SUCCESS(
            f"HighLevel sandbox on {server.base_url} with {len(state.locations)} locations (seed {options['seed']})"
        ))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("stopping")
        finally:
            server.stop()

    def _write_tokens(self, path: Path, server: SandboxServer) -> None:
        tokens = {
            "base_url": server.base_url,
            "locations": server.state.location_summaries(),
            "agency": server.state.agency_summary(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tokens, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.stdout.write(f"tokens written to {path}")
