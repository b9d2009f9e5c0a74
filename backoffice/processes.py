"""Child processes in process groups of their own, and stopping them for good.

The demo and the benchmarks run the q cluster (and the web server, the sandbox) as children.
Each child starts a session of its own, so a Ctrl-C in the terminal reaches the parent alone and
the parent stops each child once: django-q2's cluster can hang for good when a second stop signal
lands while it is stopping (django-q2 issue #346, seen here when the terminal's SIGINT and the
parent's reached it together). What has not stopped in time is killed with its whole group: a
cluster's workers, pusher and monitor too.
"""
import os
import signal
import subprocess
import time


def start_process_group(args: list, *, log, env: dict) -> subprocess.Popen:
    """Start `args` as the leader of a new session (and process group), its output to `log`."""
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop_process_groups(processes: list, *, kill: bool = False, grace_seconds: float = 15.0) -> None:
    """SIGTERM to each (each stops its own children), then SIGKILL to the group of any still
    there after `grace_seconds`; with `kill`, SIGKILL to every group at once. Returns when all
    have ended."""
    if not kill:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + grace_seconds
        for process in processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group: a stuck cluster's workers
        except ProcessLookupError:
            pass  # the whole group has ended
        process.wait(timeout=30)
