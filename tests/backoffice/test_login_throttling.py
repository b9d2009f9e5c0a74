"""Login throttling (django-axes): five wrong passwords for a username from one address lock that
pair out for the cool-off, on the back office's login page and the admin's, with a page that says
so; other users, and the same user elsewhere, are not affected."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.backoffice.test_security import run_in_production

pytestmark = pytest.mark.django_db

MESSAGE = "Too many failed logins. Try again in 15 minutes."
WRONG = "Please enter a correct username and password"
OFFICE, ELSEWHERE = "203.0.113.10", "198.51.100.7"


@pytest.fixture
def users(django_user_model):
    return {name: django_user_model.objects.create_user(name, password=f"{name}-pass-123", is_staff=True)
            for name in ("ann", "bob")}


def log_in(client, path, username, password):
    return client.post(path, {"username": username, "password": password})


def logged_in(client):
    return "_auth_user_id" in client.session


def test_the_settings_are_the_ones_readme_promises():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_ENABLED is True  # in the test settings too: the suite logs in through it
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_fifty_wrong_passwords_lock_the_user_out_from_that_address_after_five(users):
    client = Client(REMOTE_ADDR=OFFICE)
    answers = [log_in(client, "/login/", "ann", f"guess-{n}") for n in range(50)]

    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert all(WRONG in a.content.decode() for a in answers[:4])
    assert {a.status_code for a in answers[4:]} == {429}  # the fifth failure locks
    assert all(MESSAGE in a.content.decode() for a in answers[4:])

    # The right password is refused too, with the same page.
    right = log_in(client, "/login/", "ann", "ann-pass-123")
    assert right.status_code == 429 and MESSAGE in right.content.decode()
    assert not logged_in(client)

    # Another user from the same address, and the same user from another address, log in.
    other = Client(REMOTE_ADDR=OFFICE)
    assert log_in(other, "/login/", "bob", "bob-pass-123").status_code == 302 and logged_in(other)
    elsewhere = Client(REMOTE_ADDR=ELSEWHERE)
    assert log_in(elsewhere, "/login/", "ann", "ann-pass-123").status_code == 302 and logged_in(elsewhere)


def test_the_admin_login_is_throttled_the_same_way(users):
    client = Client(REMOTE_ADDR=OFFICE)
    answers = [log_in(client, "/admin/login/", "bob", "wrong") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 4 + [429] * 2
    assert MESSAGE in answers[-1].content.decode()
    # One counter for both doors: the back office's login page refuses bob from here as well.
    refused = log_in(client, "/login/", "bob", "bob-pass-123")
    assert refused.status_code == 429 and not logged_in(client)


def test_the_lockout_page_is_the_back_offices_own(users):
    client = Client(REMOTE_ADDR=OFFICE)
    for _ in range(5):
        page = log_in(client, "/login/", "ann", "wrong")
    assert page.status_code == 429
    assert "registration/lockout.html" in [t.name for t in page.templates]  # (after the login form it replaced)
    body = page.content.decode()
    assert "<title>Too many failed logins · Agent back office</title>" in body
    assert "backoffice.css" in body and MESSAGE in body
    assert "default-src 'self'" in page["Content-Security-Policy"]


def test_a_success_forgets_earlier_typos(users):
    client = Client(REMOTE_ADDR=OFFICE)
    for _ in range(4):
        log_in(client, "/login/", "ann", "wrong")
    assert log_in(client, "/login/", "ann", "ann-pass-123").status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert log_in(client, "/login/", "ann", "wrong").status_code == 200  # a fresh count of five


def test_after_the_cool_off_the_user_may_log_in_again(users):
    client = Client(REMOTE_ADDR=OFFICE)
    for _ in range(5):
        log_in(client, "/login/", "ann", "wrong")
    assert log_in(client, "/login/", "ann", "ann-pass-123").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client, "/login/", "ann", "ann-pass-123").status_code == 302


def test_the_cool_off_on_the_page_follows_the_setting(users, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    client = Client(REMOTE_ADDR=OFFICE)
    for _ in range(5):
        page = log_in(client, "/login/", "ann", "wrong")
    assert "Too many failed logins. Try again in 1 minute." in page.content.decode()


def test_the_limit_and_cool_off_come_from_the_environment(tmp_path):
    printed = run_in_production(tmp_path, (
        "from django.conf import settings as s\n"
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))\n"
    ), LOGIN_FAILURE_LIMIT="3", LOGIN_COOLOFF_MINUTES="30")
    assert printed == ["3", "1800"]
