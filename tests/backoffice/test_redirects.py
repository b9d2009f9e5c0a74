"""Every view that redirects to a `next` (login, logout, the admin's login, "Sync selected"):
whatever `next` holds, never a 500 and never a redirect off the site."""
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "next-test-pass-123"
BAD_NEXTS = [
    "//evil.example", "///evil.example", "http://x", "https://evil.example/", "http:/evil.example", "https:evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", " //evil.example", "\t//evil.example", "/%2F/evil.example", "%ff", "\x00",
    "/\x00", "/" + "x" * 10_000, "http://testserver@evil.example/", "//testserver@evil.example", "/login/\r\nX: y",
    "", "²", "mailto:a@evil.example", "evil.example", "/" + "x" * 2001,
]
PATHS_OF_OURS = {"/%2F/evil.example"}  # an encoded slash: the path /%2F/evil.example here, a 404


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("ann", password=PASSWORD, is_staff=True, is_superuser=True)


def stays_on_the_site(response, *, absolute=True):
    """A redirect, if any, is to this site; with `absolute`, to a path (Django's own views also
    follow a relative `next`, which lands under the current page: on the site all the same)."""
    assert response.status_code < 500
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"]
        target = urlsplit(location)
        assert target.scheme in ("", "http") and target.netloc in ("", "testserver"), location
        assert not location.startswith(("//", "/\\", "\\")), location
        assert not absolute or location.startswith("/"), location
        assert "\n" not in location and "\r" not in location and "\x00" not in location


@pytest.mark.parametrize("next_url", BAD_NEXTS)
@pytest.mark.parametrize("login_url", ["/login/", "/admin/login/"])
def test_logging_in_with_a_bad_next_lands_on_the_site(user, login_url, next_url):
    client = Client(raise_request_exception=False)
    page = client.get(login_url, {"next": next_url})
    assert page.status_code in (200, 400)  # 400: the query guard (a NUL, 10,000 characters)
    stays_on_the_site(page)

    response = client.post(login_url, {"username": "ann", "password": PASSWORD, "next": next_url})
    ours = login_url == "/login/"
    stays_on_the_site(response, absolute=ours)
    assert response.status_code == 302  # logged in, and sent somewhere of ours
    if ours and next_url not in PATHS_OF_OURS:
        # Ours follows only a path of the site (backoffice.redirects): the default instead.
        assert response["Location"] == reverse("agents:location_list")
        assert 'name="next" value=""' in page.content.decode() or page.status_code == 400


@pytest.mark.parametrize("next_url", BAD_NEXTS)
def test_logging_out_with_a_bad_next_lands_on_the_site(user, next_url):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    stays_on_the_site(client.post("/logout/", {"next": next_url}))
    client.force_login(user)
    stays_on_the_site(client.post(f"/logout/?{_query(next_url)}"))


@pytest.mark.parametrize("next_url", BAD_NEXTS)
def test_sync_selected_with_a_bad_next_goes_back_to_the_list(user, next_url):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post(reverse("agents:location_sync_many"), {"next": next_url})
    stays_on_the_site(response)


def test_a_path_of_ours_is_followed(user):
    client = Client()
    page = client.get("/login/", {"next": "/audit/trail/?verb=updated"})
    assert 'name="next" value="/audit/trail/?verb=updated"' in page.content.decode()
    response = client.post("/login/", {"username": "ann", "password": PASSWORD, "next": "/audit/trail/?verb=updated"})
    assert response["Location"] == "/audit/trail/?verb=updated"
    response = client.post("/logout/", {"next": "/login/?next=/audit/trail/"})
    assert response["Location"] == "/login/?next=/audit/trail/"


def _query(next_url):
    return urlencode({"next": next_url})
