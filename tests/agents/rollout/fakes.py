"""An in-memory stand-in for HighLevelClient's read side, for planner tests without HTTP."""
import copy

from agents.highlevel.errors import NotFound


class FakeClient:
    def __init__(self, agents=(), actions=None):
        self.agents = {a["id"]: copy.deepcopy(a) for a in agents}
        self.actions = copy.deepcopy(actions or {})  # agent id -> [action]
        self.requests_sent = 0

    def iter_agents(self, *, query=None, page_size=50):
        self.requests_sent += 1
        return [a for a in self.agents.values() if (query or "") in a["name"].lower()]

    def get_agent(self, agent_id):
        self.requests_sent += 1
        if agent_id not in self.agents:
            raise NotFound(method="GET", path=f"/conversation-ai/agents/{agent_id}", status=404)
        return copy.deepcopy(self.agents[agent_id])

    def list_actions(self, agent_id):
        self.requests_sent += 1
        return copy.deepcopy(self.actions.get(agent_id, []))
