"""Fixtures for tests that run the back office under production settings, in a subprocess."""
import subprocess
import sys

import pytest

from tests.backoffice.test_security import ROOT, production_env


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """A STATIC_ROOT filled by `collectstatic --noinput` under production settings (hashed names,
    gzip copies, the manifest), as a deployment has it: pages rendered with DEBUG off need it."""
    base = tmp_path_factory.mktemp("production")
    static_root = base / "static"
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT,
                            env=production_env(base, STATIC_ROOT=str(static_root)), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (static_root / "staticfiles.json").exists()
    return static_root
