"""backoffice.converters: ids past 64 bits are a 404, not an OverflowError in the query."""
import pytest

from backoffice.converters import MAX_ID, BoundedIntConverter


def test_accepts_ids_up_to_the_column_range():
    converter = BoundedIntConverter()
    assert converter.to_python("1") == 1
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    assert converter.to_url(42) == "42"


@pytest.mark.parametrize("value", [str(MAX_ID + 1), "9" * 19])
def test_refuses_ids_past_the_column_range(value):
    with pytest.raises(ValueError):
        BoundedIntConverter().to_python(value)


def test_regex_stops_at_nineteen_digits():
    import re

    assert re.fullmatch(BoundedIntConverter.regex, "9" * 19)
    assert not re.fullmatch(BoundedIntConverter.regex, "9" * 20)
