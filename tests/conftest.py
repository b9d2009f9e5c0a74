"""Shared fixtures. The HighLevel sandbox fixture (`hl_sandbox`) lives in tests/sandbox_fixture.py."""
import pytest

pytest_plugins = ["tests.sandbox_fixture"]


@pytest.fixture
def sandbox_locations(hl_sandbox, settings, db):
    """Location rows for every sandbox location, with its PIT, and the client pointed at the sandbox."""
    from agents.models import Location

    settings.HIGHLEVEL_BASE_URL = hl_sandbox.base_url
    return [
        Location.objects.create(hl_id=loc["locationId"], name=loc["name"], pit=loc["token"])
        for loc in hl_sandbox.locations
    ]


@pytest.fixture
def manager_user(django_user_model):
    return django_user_model.objects.create_user("manager", password="manager-pass-123", is_staff=True, is_superuser=True)


@pytest.fixture
def manager(client, manager_user):
    """The test client, logged in as manager_user."""
    client.force_login(manager_user)
    return client


@pytest.fixture
def roles(transactional_db):
    """The groups the roles migration makes: a transactional test before this one flushed them."""
    import importlib

    from django.apps import apps

    importlib.import_module("backoffice.migrations.0001_roles").create_roles(apps, None)
