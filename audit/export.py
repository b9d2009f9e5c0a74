"""Streaming CSV and JSON exports of the audit trail.

A million events must export without being held in memory. So rows are read as plain tuples
(`values_list`, no model instances) through a database cursor in chunks
(`.iterator(chunk_size=...)`: a server-side cursor on PostgreSQL, fetchmany on SQLite),
turned into text a batch at a time, and handed to a StreamingHttpResponse, which sends each
piece as soon as it is made. Memory stays at about one chunk, whatever the number of events.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from audit.models import AuditEvent
from backoffice.spreadsheets import csv_row, csv_writer

CHUNK_SIZE = 2000  # rows per database fetch
ROWS_PER_PIECE = 500  # rows per piece of text handed to the server
FORMATS = ("csv", "json")

# (column name in the export, lookup on AuditEvent)
COLUMNS = (
    ("id", "id"),
    ("at", "at"),
    ("actor", "actor_label"),
    ("actor_id", "actor_id"),
    ("verb", "verb"),
    ("object_type", "object_type"),
    ("object_id", "object_id"),
    ("object", "object_repr"),
    ("location_id", "location__hl_id"),
    ("location", "location__name"),
    ("agent_id", "agent__hl_id"),
    ("agent", "agent__name"),
    ("template", "template__name"),
    ("rollout", "rollout_id"),
    ("changes", "changes"),
    ("message", "message"),
    ("http_method", "http_method"),
    ("http_path", "http_path"),
    ("http_status", "http_status"),
    ("duration_ms", "duration_ms"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
_AT = COLUMN_NAMES.index("at")
_CHANGES = COLUMN_NAMES.index("changes")


def export_rows(events: QuerySet[AuditEvent], chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """The events as tuples in COLUMNS order, oldest first, fetched `chunk_size` at a time."""
    # Ordered by id: the order events were written, and the primary key needs no sort.
    rows = events.order_by("id").values_list(*(lookup for _, lookup in COLUMNS))
    return rows.iterator(chunk_size=chunk_size)


def csv_pieces(rows: Iterable[tuple]) -> Iterator[str]:
    """A header line, then the rows as CSV, ROWS_PER_PIECE rows per yielded string."""
    buffer = _LineBuffer()
    writer = csv_writer(buffer)
    writer.writerow(COLUMN_NAMES)
    yield buffer.take()
    count = 0
    for row in rows:
        writer.writerow(_csv_values(row))
        count += 1
        if count % ROWS_PER_PIECE == 0:
            yield buffer.take()
    rest = buffer.take()
    if rest:
        yield rest


def json_pieces(rows: Iterable[tuple]) -> Iterator[str]:
    """One JSON array of objects, written as it goes: `[`, the objects, `]`."""
    yield "["
    batch: list[str] = []
    separator = "\n"
    for row in rows:
        batch.append(json.dumps(_json_object(row), ensure_ascii=False, default=str))
        if len(batch) == ROWS_PER_PIECE:
            yield separator + ",\n".join(batch)
            separator = ",\n"
            batch = []
    if batch:
        yield separator + ",\n".join(batch)
    yield "\n]\n"


def streaming_export(events: QuerySet[AuditEvent], export_format: str) -> StreamingHttpResponse:
    """A download of `events` as "csv" or "json", streamed while it is read."""
    if export_format not in FORMATS:
        raise ValueError(f"Unknown export format {export_format!r}")
    rows = export_rows(events)
    if export_format == "csv":
        pieces, content_type = csv_pieces(rows), "text/csv; charset=utf-8"
    else:
        pieces, content_type = json_pieces(rows), "application/json"
    response = StreamingHttpResponse(pieces, content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.{export_format}"'
    response["Cache-Control"] = "no-store"
    return response


def _csv_values(row: tuple) -> list:
    values = list(row)
    values[_AT] = _iso(values[_AT])
    changes = values[_CHANGES]
    values[_CHANGES] = json.dumps(changes, ensure_ascii=False, sort_keys=True, default=str) if changes else ""
    # Names, messages and HighLevel's ids are text from outside; a spreadsheet must not run them
    # (backoffice.spreadsheets). The integer columns stay numbers, a negative duration too.
    return csv_row(values)


def _json_object(row: tuple) -> dict:
    obj = dict(zip(COLUMN_NAMES, row))
    obj["at"] = _iso(obj["at"])
    return obj


def _iso(moment) -> str:
    return moment.isoformat() if moment is not None else ""


class _LineBuffer:
    """A file-like object for the csv writer that collects lines until they are taken."""

    def __init__(self):
        self._parts: list[str] = []

    def write(self, text: str) -> None:
        self._parts.append(text)

    def take(self) -> str:
        text = "".join(self._parts)
        self._parts.clear()
        return text
