"""Children in their own process groups are stopped once, and for good."""
import os
import signal
import subprocess
import sys
import time

from backoffice.processes import start_process_group, stop_process_groups

# A parent that starts a grandchild and, unless told otherwise, ignores SIGTERM (a stuck cluster).
PARENT = """
import signal, subprocess, sys, time
if sys.argv[1] == "stuck":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(child.pid, flush=True)
time.sleep(600)
"""


def _start(tmp_path, mode):
    log = open(tmp_path / f"{mode}.log", "w+")
    process = start_process_group([sys.executable, "-c", PARENT, mode], log=log, env=dict(os.environ))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read().strip()
        if text:
            return process, int(text)
        time.sleep(0.05)
    raise AssertionError("the test parent did not start its child")


def _alive(pid) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_a_child_gets_a_group_of_its_own_so_a_terminal_ctrl_c_does_not_reach_it(tmp_path):
    process, grandchild = _start(tmp_path, "stuck")
    try:
        assert os.getpgid(process.pid) == process.pid != os.getpgid(os.getpid())
        assert os.getpgid(grandchild) == process.pid
    finally:
        stop_process_groups([process], kill=True)


def test_a_child_that_does_not_stop_is_killed_with_its_whole_group_after_the_grace(tmp_path):
    process, grandchild = _start(tmp_path, "stuck")
    started = time.monotonic()
    stop_process_groups([process], grace_seconds=0.5)
    assert 0.5 <= time.monotonic() - started < 10
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_children_that_stop_on_sigterm_are_not_kept_waiting_for_the_grace(tmp_path):
    quick = [_start(tmp_path, "quick")[0]]
    started = time.monotonic()
    stop_process_groups(quick, grace_seconds=30)
    assert time.monotonic() - started < 5
    assert quick[0].returncode == -signal.SIGTERM


def test_stopping_a_child_that_has_already_ended_is_quiet(tmp_path):
    process = start_process_group([sys.executable, "-c", "pass"], log=subprocess.DEVNULL, env=dict(os.environ))
    process.wait(timeout=10)
    stop_process_groups([process], grace_seconds=1)
    assert process.returncode == 0
