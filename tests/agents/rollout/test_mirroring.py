"""The mirror after a rollout's writes: an agent it created is inserted once, with what the run learnt."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agents.models import Agent, Location
from agents.rollout import mirroring

pytestmark = pytest.mark.django_db

ANSWER = {"id": "agent-9", "name": "Harbor Dental Concierge", "businessName": "Harbor Dental", "mode": "suggestive",
          "channels": ["SMS"], "personality": "Warm", "goal": "Book visits", "instructions": "Offer the calendar"}


@pytest.fixture
def location():
    return Location.objects.create(hl_id="loc-9", name="Harbor Dental")


def test_an_agent_just_created_is_inserted_in_one_statement_with_its_final_values(location):
    row = mirroring.unsaved_agent(location, ANSWER)
    assert row.pk is None and not Agent.objects.exists()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        saved = mirroring.mirror_agent(location, {**ANSWER, "goal": "Book more visits"}, row=row)
    assert saved is row and row.pk == Agent.objects.get().pk
    assert len([q for q in queries.captured_queries if "agents_agent" in q["sql"]]) == 1
    assert Agent.objects.get().goal == "Book more visits" and Agent.objects.get().state == Agent.State.ACTIVE


def test_an_agent_a_sync_mirrored_meanwhile_is_updated_not_duplicated(location):
    synced = Agent.objects.create(location=location, hl_id="agent-9", name="Harbor Dental Concierge", goal="old")
    row = mirroring.unsaved_agent(location, ANSWER)
    with transaction.atomic():  # a lost race must not break the run's final transaction
        saved = mirroring.mirror_agent(location, ANSWER, row=row)
        Location.objects.filter(pk=location.pk).update(name="Harbor Dental (renamed)")
    assert saved.pk == synced.pk and Agent.objects.count() == 1
    assert Agent.objects.get().goal == "Book visits"
    assert Location.objects.get().name == "Harbor Dental (renamed)"
