"""seed_scale: the numbers asked for, varied and valid data, and a clean second run with --reset."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agents.highlevel import schema
from agents.models import Action, Agent, AgentTemplate, Location, Rollout, RolloutTarget
from agents.models.mirror import AGENT_API_FIELDS
from audit.models import AuditEvent, SoftDelete

SMALL = {"locations": 6, "agents_per_location": 3, "actions_per_agent": 4, "audit_events": 1500,
         "templates": 3, "rollouts": 4, "batch_size": 400}


def seed(**options):
    out = StringIO()
    call_command("seed_scale", **{**SMALL, **options}, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_makes_the_numbers_asked_for_and_says_so():
    output = seed()

    assert Location.objects.count() == 6
    assert Agent.objects.count() == 6 * 3
    assert Action.objects.count() == 6 * 3 * 4
    assert AuditEvent.objects.count() == 1500
    assert AgentTemplate.objects.count() == 3
    assert Rollout.objects.count() == 4
    # The first rollout covers every location, so its progress page is the biggest one.
    assert RolloutTarget.objects.filter(rollout=Rollout.objects.order_by("pk").first()).count() == 6
    assert "Seeded 6 locations" in output and "1,500 audit events" in output
    assert " s (" in output  # how long it took


@pytest.mark.django_db
def test_data_is_varied_like_an_agencys():
    seed()

    assert set(AuditEvent.objects.values_list("verb", flat=True)) == set(AuditEvent.Verb.values)
    assert len(set(Location.objects.values_list("sync_status", flat=True))) >= 2
    assert len(set(Agent.objects.values_list("mode", flat=True))) >= 2
    assert set(Action.objects.values_list("type", flat=True)) == set(schema.ACTION_TYPES)
    assert len(set(Location.objects.values_list("name", flat=True))) == 6
    # Events reach back over the year and point at the seeded locations and agents.
    first, last = AuditEvent.objects.order_by("at").first().at, AuditEvent.objects.order_by("-at").first().at
    assert (last - first).days > 300
    assert AuditEvent.objects.filter(agent__isnull=False).exists()
    assert AuditEvent.objects.filter(verb="remote_write").exclude(http_status=None).exists()


@pytest.mark.django_db
def test_action_details_are_valid_per_the_contract():
    seed()

    for action in Action.objects.all():
        assert schema.validate_action({"type": action.type, "name": action.name, "details": action.details}) == []


@pytest.mark.django_db
def test_agent_fields_agree_with_their_raw_payload():
    seed()

    for agent in Agent.objects.all():
        for api_name, value in agent.api_values().items():
            assert agent.raw[api_name] == value, (agent.pk, api_name)
        assert agent.raw["id"] == agent.hl_id


@pytest.mark.django_db
def test_refuses_to_seed_over_data_without_reset():
    seed()

    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert Location.objects.count() == 6


@pytest.mark.django_db
def test_reset_wipes_first_so_a_second_run_gives_the_same_counts():
    seed()
    seed(reset=True)

    assert Location.objects.count() == 6
    assert Agent.objects.count() == 18
    assert Action.objects.count() == 72
    assert AuditEvent.objects.count() == 1500
    assert Rollout.objects.count() == 4
    assert SoftDelete.objects.filter(agent__isnull=True).count() == 0  # none left pointing at wiped agents
    # New rows still get ids after the seeded ones (PostgreSQL sequences were moved on).
    location = Location.objects.create(hl_id="after-seed", name="Added by hand")
    assert location.pk > max(Location.objects.exclude(pk=location.pk).values_list("pk", flat=True))
