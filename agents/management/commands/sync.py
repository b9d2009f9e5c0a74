"""python manage.py sync [--location ID ...] [--all] [--queue]

Runs the sync in this process (and prints each location's outcome), or with --queue hands the
work to the q cluster. Exits non-zero when any location failed.
"""
from django.core.management.base import BaseCommand, CommandError

from agents import sync
from agents.models import Location
from backoffice.ids import parse_id


class Command(BaseCommand):
    help = "Mirror the Conversation AI agents of one, several or all locations."

    def add_arguments(self, parser):
        parser.add_argument("--location", action="append", default=[], metavar="ID",
                            help="HighLevel location id (or database id); repeat for several.")
        parser.add_argument("--all", action="store_true", help="Sync every location.")
        parser.add_argument("--queue", action="store_true", help="Enqueue for the q cluster instead of running here.")

    def handle(self, *args, **options):
        if options["all"] == bool(options["location"]):
            raise CommandError("Give --location ID (one or more) or --all.")
        locations = Location.objects.all() if options["all"] else self._locations(options["location"])
        if options["queue"]:
            count = sync.enqueue_sync([loc.pk for loc in locations])
            self.stdout.write(f"Queued {count} location(s) for the q cluster.")
            return
        failed = 0
        for location in locations:
            outcome = sync.sync_location_by_id(location.pk)
            failed += outcome.startswith("failed")
            self.stdout.write(f"{location.name} ({location.hl_id}): {outcome}")
        if failed:
            raise CommandError(f"{failed} location(s) failed to sync.")

    def _locations(self, ids):
        found = []
        for ident in ids:
            query = Location.objects.filter(hl_id=ident)
            if parse_id(ident) is not None:
                query = query | Location.objects.filter(pk=parse_id(ident))
            location = query.first()
            if location is None:
                raise CommandError(f"No location with id {ident}.")
            found.append(location)
        return found
