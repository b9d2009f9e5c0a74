"""backoffice.spreadsheets: CSV cells are never read back as formulas, and quoting is the csv module's."""
import csv
import io

import pytest

from backoffice.spreadsheets import csv_cell, csv_row, csv_writer


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "-",
    "＝1+1", "＋1", "－1", "＠SUM(A1)",
])
def test_text_that_starts_like_a_formula_gets_a_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Reception", "", "1+1", "a=b", " =1", "'=1", "Ünïcode @ home", "2026-01-05T10:00:00+00:00", '{"mode": ["off", "on"]}'])
def test_other_text_stays_as_it_is(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("value", [-181, -1.5, 0, 200, None, True])
def test_numbers_and_empty_cells_stay_as_they_are(value):
    # Ours (integer columns): a negative number is a number to a spreadsheet, not a formula.
    assert csv_cell(value) is value


def test_quoting_keeps_separators_quotes_and_line_breaks_inside_their_cell():
    cells = ['Front desk, "main"', "line one\nline two", "=1,2", "plain", -5, None]
    buffer = io.StringIO()
    csv_writer(buffer).writerow(csv_row(cells))

    assert buffer.getvalue() == '"Front desk, ""main""","line one\nline two","\'=1,2",plain,-5,\r\n'
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [
        'Front desk, "main"', "line one\nline two", "'=1,2", "plain", "-5", ""]
