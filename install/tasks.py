"""django-q2 entry points of the install app: thin, they load ids and call a service."""
from install import events, provisioning


def handle_delivery(delivery_id: int) -> str:
    return events.handle_delivery(delivery_id)


def provision_location(location_id: int) -> list[str]:
    return provisioning.provision_location(location_id)
