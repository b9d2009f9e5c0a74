"""A stateful local stand-in for HighLevel's API over real HTTP: a test double, like moto for AWS.

Nothing in the product imports it except the `highlevel_sandbox` management command.
"""
from .server import SandboxServer
from .state import SandboxState

__all__ = ["SandboxServer", "SandboxState"]
