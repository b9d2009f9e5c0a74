"""Exports stream: the rows go out as they are read, so memory does not grow with the log."""
import csv
import io
import json
import tracemalloc

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse

from audit import export, selectors
from audit.models import AuditEvent
from audit.selectors import TrailFilters
from tests.audit.trail_factories import make_agent, make_event, make_location

pytestmark = pytest.mark.django_db


def content_of(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def two_events():
    smiles = make_location("Bright Smiles", hl_id="loc-1")
    agent = make_agent(smiles, "Reception", hl_id="ag-1")
    first = make_event(location=smiles, agent=agent, object_repr="Reception",
                       changes={"mode": ["off", "auto-pilot"]}, message='Said "hi", then left')
    second = make_event(AuditEvent.Verb.REMOTE_WRITE, actor_label="rollout #3", location=smiles, agent=agent,
                        http_method="PUT", http_path="/conversation-ai/agents/ag-1", http_status=200, duration_ms=181)
    return first, second


def test_csv_export_streams_every_column(two_events):
    first, second = two_events
    response = export.streaming_export(selectors.filtered_events(TrailFilters()), "csv")

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = list(csv.DictReader(io.StringIO(content_of(response))))
    assert [row["id"] for row in rows] == [str(first.pk), str(second.pk)]  # the order they were written
    assert rows[0]["location_id"] == "loc-1" and rows[0]["agent"] == "Reception"
    assert json.loads(rows[0]["changes"]) == {"mode": ["off", "auto-pilot"]}
    assert rows[0]["message"] == 'Said "hi", then left'
    assert rows[1]["http_method"] == "PUT" and rows[1]["http_status"] == "200" and rows[1]["duration_ms"] == "181"
    assert rows[1]["changes"] == ""
    assert rows[0]["at"] == first.at.isoformat()


def test_json_export_is_one_valid_array(two_events):
    first, second = two_events
    response = export.streaming_export(selectors.filtered_events(TrailFilters()), "json")

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/json"
    data = json.loads(content_of(response))
    assert [item["id"] for item in data] == [first.pk, second.pk]
    assert data[0]["changes"] == {"mode": ["off", "auto-pilot"]}
    assert data[1]["actor"] == "rollout #3"


def test_empty_exports_are_still_valid():
    none = selectors.filtered_events(TrailFilters())
    assert json.loads(content_of(export.streaming_export(none, "json"))) == []
    assert content_of(export.streaming_export(none, "csv")).splitlines() == [",".join(export.COLUMN_NAMES)]


def test_json_export_stays_valid_across_many_pieces():
    call_command("seed_audit_events", export.ROWS_PER_PIECE * 2 + 7, stdout=io.StringIO())
    data = json.loads(content_of(export.streaming_export(selectors.filtered_events(TrailFilters()), "json")))
    assert len(data) == export.ROWS_PER_PIECE * 2 + 7


def _peak_export_memory(export_format: str) -> tuple[int, int]:
    """(peak bytes allocated while exporting every event, bytes exported)."""
    events = selectors.filtered_events(TrailFilters())
    tracemalloc.start()
    try:
        response = export.streaming_export(events, export_format)
        written = sum(len(piece) for piece in response.streaming_content)
        return tracemalloc.get_traced_memory()[1], written
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_events():
    call_command("seed_audit_events", 5_000, stdout=io.StringIO())
    small = {fmt: _peak_export_memory(fmt) for fmt in export.FORMATS}
    call_command("seed_audit_events", 45_000, stdout=io.StringIO())
    large = {fmt: _peak_export_memory(fmt) for fmt in export.FORMATS}

    for fmt in export.FORMATS:
        (small_peak, small_bytes), (large_peak, large_bytes) = small[fmt], large[fmt]
        # Ten times the events, ten times the output...
        assert large_bytes > 9 * small_bytes
        # ...but about the same memory: one database chunk, whatever the size of the log. Holding
        # the rows would make the peak grow about tenfold (and exceed the export's own size).
        assert large_peak < 1.5 * small_peak, (fmt, small_peak, large_peak)
        assert large_peak < large_bytes / 5, (fmt, large_peak, large_bytes)


FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "＝1+1"]


def test_the_csv_endpoint_never_hands_a_spreadsheet_a_formula(client, manager_user):
    # Agent and location names come from HighLevel as they were typed there.
    client.force_login(manager_user)
    location = make_location("@SUM(A1)", hl_id="-loc-1")
    names = [*FORMULAS, 'Reception, front desk "main"']
    for n, name in enumerate(names):
        agent = make_agent(location, name, hl_id=f"ag-{n}")
        make_event(location=location, agent=agent, object_repr=name, actor_label="+manager", message=name,
                   http_status=200, duration_ms=181)

    response = client.get("/audit/trail/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(content_of(response))))

    assert [row["agent"] for row in rows] == [*("'" + name for name in FORMULAS), 'Reception, front desk "main"']
    assert [row["object"] for row in rows] == [row["agent"] for row in rows]
    assert [row["message"] for row in rows] == [row["agent"] for row in rows]
    assert {row["location"] for row in rows} == {"'@SUM(A1)"}
    assert {row["location_id"] for row in rows} == {"'-loc-1"}
    assert {row["actor"] for row in rows} == {"'+manager"}
    assert {(row["http_status"], row["duration_ms"]) for row in rows} == {("200", "181")}


def test_numbers_we_write_stay_numbers_in_the_csv_even_when_negative():
    row = [None] * len(export.COLUMN_NAMES)
    row[export.COLUMN_NAMES.index("id")] = 7
    row[export.COLUMN_NAMES.index("duration_ms")] = -181
    row[export.COLUMN_NAMES.index("message")] = "-181"  # text: it could have come from HighLevel
    header, line = "".join(export.csv_pieces([tuple(row)])).splitlines()
    cells = dict(zip(header.split(","), next(csv.reader([line]))))
    assert cells["id"] == "7" and cells["duration_ms"] == "-181" and cells["message"] == "'-181"


def test_the_json_export_keeps_names_exactly(two_events):
    # JSON is read by programs, not spreadsheets: nothing is prefixed there.
    agent = make_agent(two_events[0].location, "=HYPERLINK(1)", hl_id="ag-x")
    make_event(location=agent.location, agent=agent, object_repr="=HYPERLINK(1)")
    data = json.loads(content_of(export.streaming_export(selectors.filtered_events(TrailFilters()), "json")))
    assert data[-1]["agent"] == "=HYPERLINK(1)" and data[-1]["object"] == "=HYPERLINK(1)"
