"""The "Connect HighLevel" button, HighLevel's page, and the way back: what a manager sees."""
import pytest
from django.contrib.auth.models import Group
from django.test import Client

from agents.models import AgencyConnection, Location
from tests.install.conftest import choose_on_marketplace, local_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, django_user_model):
    user = django_user_model.objects.create_user("mona", password="mona-pass-123")
    user.groups.add(Group.objects.get(name="Manager"))
    client.force_login(user)
    return client


def connect(manager, **choice):
    start = manager.get("/highlevel/connect/start/")
    assert start.status_code == 302
    back = choose_on_marketplace(start["Location"], **choice)
    return manager.get(local_path(back), follow=True)


def test_connect_imports_the_picked_locations_and_names_them(sandbox_app, manager):
    picked = sandbox_app.locations[1:3]
    page = connect(manager, locations=[location["locationId"] for location in picked])
    text = page.content.decode()
    assert page.status_code == 200 and page.redirect_chain[-1][0] == "/highlevel/connect/"
    assert "HighLevel agency is connected: 2 locations" in text
    for location in picked:
        assert location["name"].replace("&", "&amp;") in text
    connection = AgencyConnection.objects.get()
    assert Location.objects.filter(connection=connection).count() == 2
    for secret in (connection.refresh_token, connection.access_token, connection.client_secret):
        assert secret not in text


def test_a_denied_install_says_so_and_stores_nothing(sandbox_app, manager):
    page = connect(manager, locations=[sandbox_app.locations[0]["locationId"]], decision="deny")
    assert "The install was declined on HighLevel&#x27;s page: nothing was connected." in page.content.decode()
    assert not AgencyConnection.objects.exists()


def test_an_answer_for_another_browser_is_refused(sandbox_app, manager, django_user_model):
    start = manager.get("/highlevel/connect/start/")
    back = choose_on_marketplace(start["Location"], locations=[sandbox_app.locations[0]["locationId"]])
    other = Client()
    other.force_login(django_user_model.objects.get(username="mona"))
    page = other.get(local_path(back), follow=True)
    assert "its state does not match): nothing was stored." in page.content.decode()
    assert not AgencyConnection.objects.exists()


def test_a_viewer_sees_the_agencies_without_the_button(sandbox_app, client, django_user_model):
    viewer = django_user_model.objects.create_user("vic", password="vic-pass-123")
    viewer.groups.add(Group.objects.get(name="Viewer"))
    client.force_login(viewer)
    page = client.get("/highlevel/connect/")
    assert page.status_code == 200 and "Connect HighLevel" not in page.content.decode()
    assert client.get("/highlevel/connect/start/").status_code == 403


def test_the_main_menu_leads_a_manager_to_the_agencies_and_on_to_provisioning_and_deliveries(manager):
    locations = manager.get("/locations/").content.decode()
    assert '<a href="/highlevel/connect/"' in locations and ">HighLevel</a>" in locations

    agencies = manager.get("/highlevel/connect/").content.decode()
    assert 'href="/highlevel/provisioning/"' in agencies and 'href="/highlevel/webhooks/deliveries/"' in agencies
