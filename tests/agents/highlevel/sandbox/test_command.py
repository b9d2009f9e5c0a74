"""The highlevel_sandbox management command: loopback only, and a tokens file to start from."""
import json

import pytest
import requests
from django.core.management import CommandError, call_command

from agents.highlevel.sandbox import server as sandbox_server


def test_it_writes_the_tokens_file_and_serves(tmp_path, monkeypatch):
    tokens_file = tmp_path / "out" / "tokens.json"
    seen = {}

    def serve_briefly(self):
        # Instead of serving until Ctrl-C: prove it answers, then "interrupt" it.
        self.start()
        tokens = json.loads(tokens_file.read_text())
        location = tokens["locations"][0]
        seen["status"] = requests.get(
            f"{tokens['base_url']}/conversation-ai/agents/search", timeout=5,
            headers={"Authorization": f"Bearer {location['token']}", "Version": "2021-04-15"},
        ).status_code
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_server.SandboxServer, "serve_forever", serve_briefly)
    call_command("highlevel_sandbox", "--port", "0", "--locations", "3", "--seed", "2",
                 "--tokens-out", str(tokens_file), stdout=open("/dev/null", "w"))
    tokens = json.loads(tokens_file.read_text())
    assert tokens["base_url"].startswith("http://127.0.0.1:")
    assert len(tokens["locations"]) == 3
    assert set(tokens["locations"][0]) == {"locationId", "name", "token"}
    assert {"companyId", "clientId", "clientSecret", "refreshToken"} <= set(tokens["agency"])
    assert seen["status"] == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_it_refuses_a_non_loopback_host(host):
    with pytest.raises(CommandError, match="loopback"):
        call_command("highlevel_sandbox", "--host", host, "--port", "0")
