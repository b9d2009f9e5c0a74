"""`make demo`'s command: the whole back office with demo data, and a Ctrl-C that stops all of it."""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from agents.models import Location


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes_started_with(marker: str) -> list[int]:
    """Live processes whose environment holds `marker` (this test's own database path)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ, open(f"/proc/{pid}/stat") as stat:
                if marker.encode() in environ.read() and stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(pid))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


@pytest.mark.django_db(transaction=True)
def test_no_serve_sets_up_logins_and_locations_with_both_kinds_of_credentials_and_syncs_them(
        roles, tmp_path, settings, monkeypatch, capsys):
    monkeypatch.setenv("HIGHLEVEL_BASE_URL", settings.HIGHLEVEL_BASE_URL)  # the command points both at its sandbox
    call_command("demo", no_serve=True, locations=7, sandbox_port=_free_port(), var_dir=tmp_path)
    out = capsys.readouterr().out
    for login in ("demo / ", "manager / ", "approver / ", "viewer / "):
        assert login in out
    locations = list(Location.objects.all())
    assert len(locations) == 7
    assert sum(1 for loc in locations if loc.pit) == 2 and sum(1 for loc in locations if loc.connection_id) == 5
    assert {loc.sync_status for loc in locations} == {Location.SyncStatus.OK}
    assert not _processes_started_with(str(tmp_path))  # the sandbox it started has stopped


def test_ctrl_c_stops_the_web_server_the_q_cluster_and_the_sandbox_even_when_pressed_twice(tmp_path):
    database = tmp_path / "demo.sqlite3"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "true", "LOG_LEVEL": "WARNING"}
    env.pop("HIGHLEVEL_BASE_URL", None)
    # Its own process group, as a shell gives a command: the terminal's Ctrl-C goes to that group.
    # And Ctrl-C on: a shell starts background commands with SIGINT ignored, and a suite run that
    # way (CI, say) would hand that on to the demo.
    demo = subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "demo", "--port", str(port),
         "--sandbox-port", str(_free_port()), "--locations", "3", "--var-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        printed = []
        for line in demo.stdout:
            printed.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        assert "Press Ctrl-C to stop." in "".join(printed), "".join(printed)
        assert "manager / " in "".join(printed)

        login_page = None
        deadline = time.monotonic() + 30
        while login_page is None and time.monotonic() < deadline:
            try:
                login_page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)
            except OSError:
                time.sleep(0.2)
        assert login_page is not None and login_page.status == 200

        def synced():
            with sqlite3.connect(database) as db:
                return db.execute("select sync_status from agents_location").fetchall()
        deadline = time.monotonic() + 60
        while synced() != [("ok",)] * 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert synced() == [("ok",)] * 3  # the q cluster ran the first sync

        children = _processes_started_with(str(database))
        assert len(children) >= 4  # this command, the sandbox, the web server, the q cluster (and its workers)
        os.killpg(demo.pid, signal.SIGINT)
        time.sleep(0.3)
        os.killpg(demo.pid, signal.SIGINT)  # impatient: the second one must not cut the stopping short
        assert demo.wait(timeout=60) == 0
        deadline = time.monotonic() + 10
        while _processes_started_with(str(database)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_started_with(str(database)) == []
    finally:
        for pid in _processes_started_with(str(database)):
            os.kill(pid, signal.SIGKILL)
        demo.stdout.close()
        if demo.poll() is None:
            demo.kill()
            demo.wait()
