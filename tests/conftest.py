"""Shared fixtures. The sandbox fixture lives in tests/sandbox_fixture.py."""
pytest_plugins = ["tests.sandbox_fixture"]
