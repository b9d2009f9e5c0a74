"""What HighLevel's events do: INSTALL, UNINSTALL, LocationCreate, LocationUpdate.

Each event first records its facts on a RemoteLocation, a fact replacing another only when it was
sent later; then the Location is brought to what the facts say (`converge`). Duplicates change
nothing and any order ends the same. An event that needs the agency's connection before it is
made (an INSTALL racing the code exchange, HighLevel's issue 294) waits, and is handled again
when the connection is made (`handle_waiting`).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agents.highlevel.errors import HighLevelError
from agents.models import AgencyConnection, Location
from audit.models import AuditEvent
from audit.services import record
from install.locations import NEW_CONNECTION_NAME, add_location, reconcile_locations
from install.models import RemoteLocation, WebhookDelivery
from install.webhooks import clean_text

logger = logging.getLogger(__name__)

ACTOR = "HighLevel webhook"
Outcome = WebhookDelivery.Outcome


class Waiting(Exception):
    """The event needs the agency's connection, which does not exist yet."""


def handle_delivery(delivery_id: int) -> str:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.verdict != WebhookDelivery.Verdict.ACCEPTED or delivery.outcome not in (Outcome.QUEUED,
                                                                                            Outcome.WAITING):
            return delivery.outcome  # handled already (a task run twice)
    handler = HANDLERS.get(delivery.event_type)
    if handler is None:
        outcome, message = Outcome.IGNORED, f"The back office does not act on {delivery.event_type} events."
    else:
        try:
            outcome, message = Outcome.DONE, handler(json.loads(delivery.body), delivery.event_at)
        except Waiting as waiting:
            outcome, message = Outcome.WAITING, str(waiting)
        except HighLevelError as error:
            outcome, message = Outcome.FAILED, error.user_message
    WebhookDelivery.objects.filter(pk=delivery_id).update(outcome=outcome, outcome_message=message,
                                                          handled_at=timezone.now())
    return outcome


def handle_waiting(company_id: str) -> int:
    """Handle again the events that waited for this agency's connection, oldest first."""
    waiting = list(WebhookDelivery.objects.filter(outcome=Outcome.WAITING, company_id=company_id)
                   .order_by("event_at", "pk").values_list("pk", flat=True))
    for delivery_id in waiting:
        handle_delivery(delivery_id)
    return len(waiting)


def record_install(connection: AgencyConnection, hl_ids) -> None:
    """The code exchange installed the app on these locations, now: a fact like an INSTALL's."""
    now = timezone.now()
    for hl_id in hl_ids:
        _remember(hl_id, now, company_id=connection.company_id, installed=True)
        converge(hl_id)


# --- the events ----------------------------------------------------------------------------------

def on_install(payload: dict, sent_at: datetime) -> str:
    company_id = _text(payload.get("companyId"))
    location_ids = _location_ids(payload)
    connection = _connection(company_id)
    if connection is not None and payload.get("companyName") and connection.name == NEW_CONNECTION_NAME:
        connection.name = _text(payload["companyName"])[:200]
        connection.save(update_fields=["name"])
    for hl_id in location_ids:
        _remember(hl_id, sent_at, company_id=company_id, installed=True)
    if connection is None:
        raise Waiting("The agency is not connected yet: this install is handled once its connection is made.")
    if not location_ids:  # an agency-level install: every sub-account it lists
        imported = reconcile_locations(connection, [], actor_label=ACTOR)
        return f"Installed on the agency: {len(imported.names)} locations, {imported.created} new."
    names = [converge(hl_id) for hl_id in location_ids]
    return "Installed on " + ", ".join(names) + "."


def on_uninstall(payload: dict, sent_at: datetime) -> str:
    location_id = _text(payload.get("locationId"))
    if location_id:
        _remember(location_id, sent_at, installed=False)
        return f"Uninstalled from {converge(location_id)}."
    company_id = _text(payload.get("companyId"))
    connection = _connection(company_id)
    if connection is None:
        return "Uninstalled from an agency that is not connected here: nothing to do."
    hl_ids = list(connection.locations.values_list("hl_id", flat=True))
    for hl_id in hl_ids:
        _remember(hl_id, sent_at, company_id=company_id, installed=False)
        converge(hl_id)
    with transaction.atomic():
        locked = AgencyConnection.objects.select_for_update().get(pk=connection.pk)
        locked.refresh_token = locked.access_token = ""
        locked.access_token_expires_at = None
        locked.save(update_fields=["refresh_token", "access_token", "access_token_expires_at"])
        record(AuditEvent.Verb.CREDENTIALS, actor_label=ACTOR, object_type="connection", object_id=str(locked.pk),
               object_repr=locked.name, message="The app was uninstalled from the agency: its tokens were removed.")
    return f"Uninstalled from the agency {connection.name}: {len(hl_ids)} locations disconnected."


def on_location_create(payload: dict, sent_at: datetime) -> str:
    hl_id = _text(payload.get("id"))
    if not hl_id:
        return "The event names no location: nothing to do."
    _remember(hl_id, sent_at, company_id=_text(payload.get("companyId")), name=_text(payload.get("name")),
              announced=True)
    return f"New location {converge(hl_id)}."


def on_location_update(payload: dict, sent_at: datetime) -> str:
    hl_id = _text(payload.get("id"))
    if not hl_id:
        return "The event names no location: nothing to do."
    _remember(hl_id, sent_at, company_id=_text(payload.get("companyId")), name=_text(payload.get("name")))
    return f"Location {converge(hl_id)} updated."


HANDLERS = {"INSTALL": on_install, "UNINSTALL": on_uninstall, "LocationCreate": on_location_create,
            "LocationUpdate": on_location_update}


# --- facts, and the Location they make -----------------------------------------------------------

def _remember(hl_id: str, sent_at: datetime, *, company_id: str = "", name: str = "", installed=None,
              announced: bool = False) -> None:
    with transaction.atomic():
        RemoteLocation.objects.get_or_create(hl_id=hl_id)
        remote = RemoteLocation.objects.select_for_update().get(hl_id=hl_id)
        if company_id and not remote.company_id:
            remote.company_id = company_id
        if name and (remote.name_sent_at is None or sent_at > remote.name_sent_at):
            remote.name, remote.name_sent_at = name[:200], sent_at
        if installed is not None and (remote.installed_sent_at is None or sent_at > remote.installed_sent_at):
            remote.installed, remote.installed_sent_at = installed, sent_at
        remote.announced = remote.announced or announced
        remote.ever_installed = remote.ever_installed or installed is True
        remote.save()


def converge(hl_id: str) -> str:
    """Bring the Location to what the facts say; its name, for the delivery's outcome."""
    remote = RemoteLocation.objects.get(hl_id=hl_id)
    location = Location.objects.filter(hl_id=hl_id).first()
    connection = _connection(remote.company_id) if remote.company_id else (location.connection if location else None)
    if location is None:
        if not (remote.ever_installed or remote.announced):
            return remote.name or hl_id  # an event of a sub-account the app was never in: nothing to keep
        if connection is None:
            raise Waiting("The agency is not connected yet: this location is added once its connection is made.")
        location, created = add_location(connection, hl_id, name=remote.name, actor_label=ACTOR)
        if created:  # a new client: the templates marked for new locations, by a task of their own
            transaction.on_commit(lambda: _enqueue_provisioning(location.pk))
    if remote.installed is False:
        _disconnect(location, remote)
        location.refresh_from_db()
    elif remote.installed and location.disconnected_reason and connection is not None:
        _reconnect(location, connection)
    return _rename(location, remote)


def _rename(location: Location, remote: RemoteLocation) -> str:
    if remote.name and location.name != remote.name:
        record(AuditEvent.Verb.UPDATED, actor_label=ACTOR, object_type="location", object_id=location.hl_id,
               object_repr=remote.name, location=location, changes={"name": [location.name, remote.name]},
               message="Renamed in HighLevel.")
        location.name = remote.name
        location.save(update_fields=["name"])
    return location.name


def _enqueue_provisioning(location_id: int) -> None:
    from django_q.tasks import async_task

    async_task("install.tasks.provision_location", location_id, task_name=f"provision location {location_id}")


def _disconnect(location: Location, remote: RemoteLocation) -> None:
    if location.disconnected_reason and not location.connection_id:
        return
    when = timezone.localtime(remote.installed_sent_at).strftime("%Y-%m-%d %H:%M")
    reason = f"the app was uninstalled from it in HighLevel ({when} UTC); it is not synced or rolled out to."
    Location.objects.filter(pk=location.pk).update(
        connection=None, location_token="", location_token_expires_at=None, disconnected_reason=reason,
        sync_status=Location.SyncStatus.FAILED, sync_error=f"Disconnected: {reason}")
    record(AuditEvent.Verb.CREDENTIALS, actor_label=ACTOR, object_type="location", object_id=location.hl_id,
           object_repr=location.name, location=location, message=f"Disconnected: {reason}")


def _reconnect(location: Location, connection: AgencyConnection) -> None:
    Location.objects.filter(pk=location.pk).update(
        connection=connection, disconnected_reason="", sync_status=Location.SyncStatus.NEVER, sync_error="")
    location.refresh_from_db()
    record(AuditEvent.Verb.CREDENTIALS, actor_label=ACTOR, object_type="location", object_id=location.hl_id,
           object_repr=location.name, location=location,
           message=f"Reconnected: the app was installed again, through {connection.name}.")


def _connection(company_id: str) -> AgencyConnection | None:
    if not company_id:
        return None
    return AgencyConnection.objects.filter(company_id=company_id).exclude(refresh_token="").order_by("pk").first()


def _location_ids(payload: dict) -> list[str]:
    ids = [_text(payload.get("locationId"))] if payload.get("locationId") else []
    many = payload.get("locationIds")
    if isinstance(many, list):
        ids += [_text(value) for value in many]
    return list(dict.fromkeys(hl_id for hl_id in ids if hl_id))


def _text(value) -> str:
    return clean_text(value, 200)
