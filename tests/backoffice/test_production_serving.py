"""Static files in production: the WSGI app under gunicorn, as README's "Running it for real" starts
it (DEBUG off, after `collectstatic --noinput`), serves a page and the stylesheet and htmx that the
page links, by their hashed names, compressed and cached for good; in DEBUG the same files come
straight from the apps, without collectstatic."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import django_htmx
import pytest
import requests

from tests.backoffice.test_security import ROOT, production_env, run_in_production

HOST = "backoffice.example.com"  # production_env's ALLOWED_HOSTS
# Behind the TLS proxy README asks for; without the header the app sends plain HTTP to https://.
PROXIED = {"Host": HOST, "X-Forwarded-Proto": "https"}
HTMX_SOURCE = Path(django_htmx.__file__).parent / "static" / "django_htmx" / "htmx-2.min.js"


class Gunicorn:
    """`gunicorn backoffice.wsgi` in its own process group, with its log kept for failure messages."""

    def __init__(self, env, cwd):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "backoffice.wsgi", "--bind", "127.0.0.1:0", "--workers", "1",
             "--log-level", "info"],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.log = []
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self):
        for line in self.process.stderr:
            self.log.append(line)

    def url(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.log):
                if found := re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line):
                    return found.group(1)
            assert self.process.poll() is None, "gunicorn stopped:\n" + "".join(self.log)
            time.sleep(0.05)
        raise AssertionError("gunicorn did not start listening:\n" + "".join(self.log))

    def stop(self):
        self.process.terminate()  # gunicorn's graceful stop, workers included
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this class started, and nothing else
            self.process.wait(timeout=5)


@pytest.fixture
def production_server(tmp_path, collected_static):
    pytest.importorskip("gunicorn", reason="gunicorn comes with the test (and serve) extras")
    # XDG_RUNTIME_DIR: where gunicorn (25.1+) puts its control socket, here this test's own.
    env = production_env(tmp_path, STATIC_ROOT=str(collected_static), XDG_RUNTIME_DIR=str(tmp_path))
    server = Gunicorn(env, ROOT)
    try:
        yield server
    finally:
        server.stop()


def _get(server, base, path, **headers):
    response = requests.get(base + path, headers={**PROXIED, **headers}, timeout=30, allow_redirects=False)
    assert response.status_code != 500, "".join(server.log)
    return response


def test_gunicorn_serves_a_page_and_the_css_and_htmx_it_links(production_server):
    base = production_server.url()

    page = _get(production_server, base, "/login/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/backoffice\.[0-9a-f]{12}\.css)">', page.text)
    htmx = re.search(r'<script src="(/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js)" defer>', page.text)
    ours = re.search(r'<script src="(/static/backoffice\.[0-9a-f]{12}\.js)" defer>', page.text)
    assert stylesheet and htmx and ours, page.text  # hashed names, from collectstatic's manifest

    css = _get(production_server, base, stylesheet.group(1))
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.text == (ROOT / "static" / "backoffice.css").read_text()
    # A hashed name never changes its content, so browsers may keep it for good; gzip when asked.
    assert "immutable" in css.headers["Cache-Control"]
    assert css.headers.get("Content-Encoding") == "gzip"

    script = _get(production_server, base, htmx.group(1))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.text == HTMX_SOURCE.read_text()
    assert _get(production_server, base, ours.group(1)).headers["Content-Type"].startswith("text/javascript")

    # The 500 page links the stylesheet by its plain name (no manifest lookup while handling an error).
    assert _get(production_server, base, "/static/backoffice.css").status_code == 200
    assert _get(production_server, base, "/static/no-such-file.css").status_code == 404

    # DEBUG is off: an unknown page is the back office's own 404, not Django's technical page.
    missing = _get(production_server, base, "/no-such-page/")
    assert missing.status_code == 404
    assert "There is nothing at this address" in missing.text
    assert "URLconf" not in missing.text


def test_plain_http_to_gunicorn_is_sent_to_https_static_files_too(production_server):
    base = production_server.url()
    response = requests.get(base + "/static/backoffice.css", headers={"Host": HOST}, timeout=30, allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/static/backoffice.css"


def test_in_debug_static_files_come_from_the_apps_without_collectstatic(tmp_path):
    printed = run_in_production(tmp_path, (
        "from django.test import Client\n"
        f"client = Client(HTTP_HOST='{HOST}')\n"
        "page = client.get('/login/')\n"
        "css = client.get('/static/backoffice.css')\n"
        "htmx = client.get('/static/django_htmx/htmx-2.min.js')\n"
        "print(page.status_code, 'href=\"/static/backoffice.css\"' in page.content.decode(), css.status_code,"
        " css['Content-Type'].split(';')[0], htmx.status_code, htmx['Content-Type'].split(';')[0])\n"
    ), DEBUG="true", STATIC_ROOT=str(tmp_path / "never-collected"))
    assert printed == ["200", "True", "200", "text/css", "200", "text/javascript"]
