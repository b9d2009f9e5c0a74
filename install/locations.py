"""The locations an install brings: imported from installedLocations, reconciled with the token answer.

HighLevel's known trouble (highlevel-api-docs issues 294, 130): a bulk install's token answer may
leave out sub-accounts the admin picked, and installedLocations may lag behind the install. So
both are read: installedLocations gives names for what it lists (agents.importing), and a picked
sub-account it does not list yet is added by its id, its name read from HighLevel.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agents.gateway import location_client
from agents.highlevel.errors import HighLevelError
from agents.importing import import_locations
from agents.models import AgencyConnection, Location
from audit.models import AuditEvent
from audit.services import record

logger = logging.getLogger(__name__)

# A name for a sub-account HighLevel has not told us the name of yet; the next sync or
# LocationUpdate webhook gives the real one.
UNNAMED = "New sub-account (name not known yet)"
# An agency connection's name until HighLevel tells its own (an INSTALL's companyName).
NEW_CONNECTION_NAME = "HighLevel agency"


@dataclass
class LocationsImported:
    created: int = 0
    updated: int = 0
    names: list[str] = field(default_factory=list)  # of the connection's locations, for the page
    hl_ids: list[str] = field(default_factory=list)  # installed there, by installedLocations or the answer


def reconcile_locations(connection: AgencyConnection, approved_ids, *, user=None, actor_label="") -> LocationsImported:
    created, updated = import_locations(connection, user=user)
    listed = set(Location.objects.filter(connection=connection).values_list("hl_id", flat=True))
    known = set(Location.objects.filter(hl_id__in=list(approved_ids)).values_list("hl_id", flat=True))
    for hl_id in approved_ids:
        if hl_id not in known:
            add_location(connection, hl_id, user=user, actor_label=actor_label)
            created += 1
    mine = Location.objects.filter(connection=connection).order_by("name")
    return LocationsImported(created=created, updated=updated, names=list(mine.values_list("name", flat=True)),
                             hl_ids=sorted(listed | set(approved_ids)))


def add_location(connection: AgencyConnection, hl_id: str, *, name: str = "", user=None,
                 actor_label: str = "") -> tuple[Location, bool]:
    """The location `hl_id`, on this connection; created when it is new (its name read if not given)."""
    location, created = Location.objects.get_or_create(
        hl_id=hl_id, defaults={"name": name or UNNAMED, "connection": connection})
    if created:
        if not name:
            _read_name(location)
        record(AuditEvent.Verb.IMPORTED, user=user, actor_label=actor_label, object_type="location",
               object_id=location.hl_id, object_repr=location.name, location=location,
               message=f"Added from the agency connection {connection.name}.")
    elif not location.connection_id and not location.pit:
        location.connection = connection
        location.save(update_fields=["connection"])
    return location, created


def _read_name(location: Location) -> None:
    """Ask HighLevel (with a location token minted from the connection) what the location is called."""
    try:
        answer = location_client(location).get_location(location.hl_id)
    except HighLevelError as error:
        logger.warning("Could not read the name of location %s: %s", location.hl_id, error)
        return
    name = ((answer or {}).get("location") or {}).get("name") or ""
    if name:
        location.name = name[:200]
        location.save(update_fields=["name"])
