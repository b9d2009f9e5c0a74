from .locations import AgencyConnection, Location, RateLimitWindow
from .mirror import Action, Agent
from .rollouts import Rollout, RolloutTarget
from .templates import ActionTemplate, AgentTemplate, AgentTemplateVersion

__all__ = [
    "AgencyConnection",
    "Location",
    "RateLimitWindow",
    "Agent",
    "Action",
    "AgentTemplate",
    "AgentTemplateVersion",
    "ActionTemplate",
    "Rollout",
    "RolloutTarget",
]
