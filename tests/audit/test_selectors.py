"""Reading the trail: every filter narrows it, and a page costs the same queries however full."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import selectors
from audit.models import AuditEvent
from audit.selectors import TrailFilters
from tests.audit.trail_factories import day, make_agent, make_event, make_location, make_rollout, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_user_model):
    alice = django_user_model.objects.create_user("alice")
    smiles, bakery = make_location("Bright Smiles"), make_location("Corner Bakery")
    reception = make_agent(smiles, "Reception")
    orders = make_agent(bakery, "Orders")
    template = make_template()
    rollout = make_rollout(template)
    events = {
        "sync_smiles": make_event(location=smiles, agent=reception, at=day(2026, 3, 1)),
        "alice_bakery": make_event(AuditEvent.Verb.SOFT_DELETED, actor=alice, actor_label="alice",
                                   location=bakery, agent=orders, at=day(2026, 3, 2)),
        "rollout_smiles": make_event(AuditEvent.Verb.REMOTE_WRITE, location=smiles, agent=reception,
                                     template=template, rollout=rollout, at=day(2026, 3, 3, hour=23)),
        "template_edit": make_event(AuditEvent.Verb.UPDATED, object_type="template", template=template,
                                    actor=alice, actor_label="alice", at=day(2026, 3, 4, hour=0)),
    }
    return {"alice": alice, "smiles": smiles, "bakery": bakery, "reception": reception, "orders": orders,
            "template": template, "rollout": rollout, "events": events}


def names(world, events):
    by_pk = {event.pk: name for name, event in world["events"].items()}
    return [by_pk[event.pk] for event in events]


def test_newest_first_without_filters(world):
    assert names(world, selectors.event_list(TrailFilters())) == [
        "template_edit", "rollout_smiles", "alice_bakery", "sync_smiles"]


@pytest.mark.parametrize("filters, expected", [
    (lambda w: TrailFilters(location_id=w["smiles"].pk), ["rollout_smiles", "sync_smiles"]),
    (lambda w: TrailFilters(agent_id=w["orders"].pk), ["alice_bakery"]),
    (lambda w: TrailFilters(template_id=w["template"].pk), ["template_edit", "rollout_smiles"]),
    (lambda w: TrailFilters(rollout_id=w["rollout"].pk), ["rollout_smiles"]),
    (lambda w: TrailFilters(actor_id=w["alice"].pk), ["template_edit", "alice_bakery"]),
    (lambda w: TrailFilters(verb=AuditEvent.Verb.SOFT_DELETED), ["alice_bakery"]),
    (lambda w: TrailFilters(location_id=w["smiles"].pk, verb=AuditEvent.Verb.UPDATED), ["sync_smiles"]),
])
def test_each_filter_narrows_the_trail(world, filters, expected):
    assert names(world, selectors.event_list(filters(world))) == expected


def test_date_range_includes_both_whole_days(world):
    # 23:00 on the 3rd is inside a range ending on the 3rd; midnight of the 4th is not.
    filters = TrailFilters(date_from=datetime.date(2026, 3, 2), date_to=datetime.date(2026, 3, 3))
    assert names(world, selectors.event_list(filters)) == ["rollout_smiles", "alice_bakery"]
    only_from = TrailFilters(date_from=datetime.date(2026, 3, 4))
    assert names(world, selectors.event_list(only_from)) == ["template_edit"]


def test_a_page_costs_the_same_queries_for_5_or_50_events(world):
    def queries_for_a_page():
        with CaptureQueriesContext(connection) as captured:
            page = selectors.event_page(TrailFilters(), 1)
            for event in page.object_list:
                (event.actor_label, event.location and event.location.name, event.agent and event.agent.name,
                 event.template and event.template.name, event.rollout_id, event.actor and event.actor.username)
        return len(captured)

    few = queries_for_a_page()
    for n in range(50):
        make_event(location=world["smiles"], agent=world["reception"], template=world["template"],
                   rollout=world["rollout"], actor=world["alice"])
    assert queries_for_a_page() == few == 3  # the count, the page's ids, its events with everything they are about


def test_the_page_never_loads_location_secrets(world):
    world["smiles"].pit = "pit-secret-123"
    world["smiles"].save()
    with CaptureQueriesContext(connection) as captured:
        list(selectors.event_page(TrailFilters(), 1).object_list)
    page_query = captured[-1]["sql"]
    assert '"agents_location"."pit"' not in page_query
    assert '"agents_location"."location_token"' not in page_query


def test_a_junk_page_number_gives_the_first_page(world):
    assert selectors.event_page(TrailFilters(), "abc").number == 1
    assert selectors.event_page(TrailFilters(), "999").number == 1
