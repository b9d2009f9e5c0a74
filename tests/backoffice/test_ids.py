"""backoffice.ids.parse_id: only ASCII digits within a primary key's range are an id."""
import pytest

from backoffice.converters import MAX_ID
from backoffice.ids import parse_id


@pytest.mark.parametrize("value, expected", [
    ("1", 1), ("42", 42), ("007", 7), (str(MAX_ID), MAX_ID), (12, 12), (0, 0),
])
def test_ids(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize("value", [
    "", " ", "-1", "+1", "1.0", "1e3", " 12", "12 ", "0x1f", "abc",
    "²", "①", "1²",  # isdigit() is true, int() refuses them
    "١٢", "１２", "߁",  # int() reads them (Arabic-Indic, full-width, NKo), the database never wrote them
    str(MAX_ID + 1), "9" * 20, "9" * 5000, "1\x00", None, 1.0, True, -1, MAX_ID + 1, [], b"12",
])
def test_not_ids(value):
    assert parse_id(value) is None
