"""record_many writes the rows the ORM would write, in one statement, and all or nothing."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AppendOnlyError, AuditEvent
from audit.services import actor_fields, record, record_many
from tests.audit.trail_factories import make_agent, make_location, make_rollout, make_template

pytestmark = pytest.mark.django_db

COMPARED = [field.name for field in AuditEvent._meta.concrete_fields if field.name not in ("id", "at")]


@pytest.fixture
def about(django_user_model):
    location = make_location()
    template = make_template()
    return {"user": django_user_model.objects.create_user("mia"), "location": location,
            "agent": make_agent(location), "template": template, "rollout": make_rollout(template)}


def remote_write(about, **fields):
    values = dict(
        verb=AuditEvent.Verb.REMOTE_WRITE, **actor_fields(about["user"], "rollout #7"), object_type="action",
        object_id="act-1", object_repr="Attach action “Book a visit” (appointmentBooking)",
        location=about["location"], agent=about["agent"], template=about["template"], rollout=about["rollout"],
        changes={"name": [None, "Book a visit"], "details": [None, {"onlySendLink": True, "ids": [1, 2]}]},
        message="Attach action “Book a visit”.", http_method="POST", http_path="/conversation-ai/agents/a/actions",
        http_status=201, duration_ms=52,
    )
    values.update(fields)
    return AuditEvent(**values)


def stored():
    return [{name: getattr(row, name) for name in COMPARED} for row in AuditEvent.objects.order_by("pk")]


def test_rows_match_what_the_orm_writes(about):
    before = timezone.now()
    record_many([remote_write(about), remote_write(about, http_status=None, duration_ms=None, changes={},
                                                   message="Attempt 2: the answer was lost.")])
    by_record_many = stored()
    AuditEvent.objects.bulk_create([remote_write(about), remote_write(about, http_status=None, duration_ms=None,
                                                                      changes={}, message="Attempt 2: the answer was lost.")])
    assert by_record_many == stored()[2:]
    assert by_record_many[0]["changes"]["details"] == [None, {"onlySendLink": True, "ids": [1, 2]}]
    assert by_record_many[0]["actor"] == about["user"] and by_record_many[1]["http_status"] is None
    assert all(event.at >= before for event in AuditEvent.objects.all())  # `at` is set as auto_now_add would


def test_several_events_are_one_statement(about):
    with CaptureQueriesContext(connection) as queries:
        record_many([remote_write(about, object_id=f"act-{n}") for n in range(7)])
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.REMOTE_WRITE).count() == 7


def test_more_events_than_one_statement_takes_are_written_all_or_none(about, monkeypatch):
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    record_many([remote_write(about, object_id=f"act-{n}") for n in range(5)])
    assert AuditEvent.objects.count() == 5

    earlier = record("rollout", actor_label="rollout #7", object_type="rollout")  # has an id: cannot be added again
    with pytest.raises(AppendOnlyError):
        record_many([remote_write(about, object_id="late-1"), remote_write(about, object_id="late-2"), earlier])
    assert not AuditEvent.objects.filter(object_id__startswith="late").exists()


def test_nothing_to_record_writes_nothing():
    with CaptureQueriesContext(connection) as queries:
        record_many([])
    assert queries.captured_queries == []


def test_an_event_names_a_row_saved_after_it_was_made(about):
    from agents.models import Agent

    agent = Agent(location=about["location"], hl_id="agent-made-later", name="Made later")
    event = remote_write(about, agent=agent)  # the rollout made the event before the mirror row
    agent.save()
    record_many([event])
    assert AuditEvent.objects.get().agent_id == agent.pk


def test_an_event_naming_a_row_never_saved_is_refused_and_nothing_is_written(about):
    from agents.models import Agent

    unsaved = Agent(location=about["location"], hl_id="agent-never-saved", name="Never saved")
    with pytest.raises(ValueError, match="unsaved related object"):
        record_many([remote_write(about), remote_write(about, agent=unsaved)])
    assert not AuditEvent.objects.exists()
