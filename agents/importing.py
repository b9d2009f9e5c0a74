"""Import locations from an agency connection: one Location row per sub-account the app is installed in."""
from agents.gateway import agency_client
from agents.models import AgencyConnection, Location
from audit.models import AuditEvent
from audit.services import record

PAGE_SIZE = 100


def import_locations(connection: AgencyConnection, *, user=None) -> tuple[int, int]:
    """Create (or rename) the Location rows of every installed location. Returns (created, updated)."""
    client = agency_client(connection.pk)
    created = updated = 0
    skip = 0
    while True:
        page = client.installed_locations(
            connection.company_id, app_id=connection.app_id, isInstalled="true", skip=skip, limit=PAGE_SIZE
        )
        rows = page.get("locations") or []
        for row in rows:
            location, was_created = Location.objects.get_or_create(
                hl_id=row["_id"], defaults={"name": row.get("name") or row["_id"], "connection": connection}
            )
            if was_created:
                created += 1
                continue
            changed = []
            if row.get("name") and location.name != row["name"]:
                location.name = row["name"]
                changed.append("name")
            if not location.connection_id and not location.pit:
                location.connection = connection
                changed.append("connection")
            if changed:
                location.save(update_fields=changed)
                updated += 1
        skip += len(rows)
        if len(rows) < PAGE_SIZE:
            break
    record(
        AuditEvent.Verb.IMPORTED, user=user, object_type="connection", object_id=str(connection.pk),
        object_repr=connection.name, message=f"Imported locations: {created} new, {updated} updated.",
    )
    return created, updated
