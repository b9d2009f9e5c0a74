"""Error reports never show a token: Django's DEBUG 500 page (HTML and text), the report mailed to
ADMINS and the django.request log line, whatever the token's variable is called when it is a
Secret, and whatever holds it when its name says what it is (pit, refresh, access, ...)."""
import logging
import re
import secrets

import pytest
from django.core import mail
from django.test import Client
from django.urls import path
from django.utils.log import AdminEmailHandler
from django.views.debug import SafeExceptionReporterFilter

from backoffice.crypto import Secret
from backoffice.error_reports import SecretsReporterFilter

# Made when the module loads, so that no token is written in this file's source: the 500 page shows
# the source lines around each frame, and a literal there would be a leak of the test's own making.
TOKENS = {
    "pit": "pit-" + secrets.token_hex(16),
    "secret": "sbx-location-" + secrets.token_hex(16),
    "posted": "pit-" + secrets.token_hex(16),
    "refresh": "rt-" + secrets.token_hex(16),
    "header": "pit-" + secrets.token_hex(16),
}
MARKER = SafeExceptionReporterFilter.cleansed_substitute


def failing_view(request):
    pit = TOKENS["pit"]  # noqa: F841 (a local the report must blank by its name)
    value = Secret(TOKENS["secret"])  # noqa: F841 (a local the report must blank because it is a Secret)
    oauth = {"client_id": "app-1", "refresh_token": TOKENS["refresh"]}  # noqa: F841 (blanked by key)
    posted = request.POST  # noqa: F841 (the QueryDict in a local)
    raise RuntimeError("the sync failed")


urlpatterns = [path("boom/", failing_view)]


@pytest.fixture
def debug_boom(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    settings.ADMINS = [("Ops", "ops@example.com")]
    return Client(raise_request_exception=False)


def _post(client, **headers):
    return client.post("/boom/", {"pit": TOKENS["posted"], "name": "Bright Smiles"},
                       HTTP_AUTHORIZATION=f"Bearer {TOKENS['header']}", **headers)


def _leaks(text):
    return [name for name, token in TOKENS.items() if token in text]


@pytest.mark.django_db
def test_the_debug_500_page_shows_no_token(debug_boom):
    response = _post(debug_boom)
    assert response.status_code == 500
    page = response.content.decode()
    assert "RuntimeError" in page and "the sync failed" in page  # the debug page, with its frames
    assert "Bright Smiles" in page  # an ordinary POST field is still shown
    assert not _leaks(page)
    assert MARKER in page
    for name in ("pit", "value", "oauth"):
        assert re.search(rf"<td>{name}</td>\s*<td class=\"code\"><pre>[^<]*\*{{20}}", page), name


@pytest.mark.django_db
def test_the_plain_text_debug_500_shows_no_token(debug_boom):
    response = _post(debug_boom, HTTP_ACCEPT="text/plain")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "the sync failed" in text
    assert not _leaks(text)
    assert MARKER in text


@pytest.mark.django_db
def test_the_logged_500_and_the_mail_to_admins_carry_no_token(debug_boom, caplog):
    logger = logging.getLogger("django.request")
    mailer = AdminEmailHandler(include_html=True)
    logger.addHandler(mailer)
    try:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            assert _post(debug_boom).status_code == 500
    finally:
        logger.removeHandler(mailer)

    [record] = [r for r in caplog.records if r.name == "django.request"]
    logged = caplog.text + " ".join(str(part) for part in (record.getMessage(), record.args, record.__dict__))
    assert "Internal Server Error: /boom/" in logged
    assert not _leaks(logged)

    [report] = mail.outbox
    html = report.alternatives[0][0]
    assert "the sync failed" in report.body and "the sync failed" in html
    assert not _leaks(report.body + html)
    assert MARKER in report.body and MARKER in html


def test_names_are_matched_in_any_case_and_inside_dicts():
    cleanse = SecretsReporterFilter().cleanse_setting
    for name in ("pit", "PIT", "location_pit", "token", "client_secret", "refresh", "access_token", "password",
                 "api_key", "HTTP_AUTHORIZATION", "Authorization"):
        assert cleanse(name, "x") == MARKER, name
    assert cleanse("name", "Bright Smiles") == "Bright Smiles"
    assert cleanse("anything", Secret("s")) == MARKER
    assert cleanse("answer", {"data": [{"accessToken": "a"}], "ok": True}) == {"data": [{"accessToken": MARKER}], "ok": True}


def test_a_local_that_holds_itself_does_not_break_the_report():
    loop = {"name": "x"}
    loop["again"] = loop
    assert SecretsReporterFilter()._cleanse_local("loop", loop) == MARKER
