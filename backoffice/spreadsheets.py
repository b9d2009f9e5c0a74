"""CSV for people who open it in a spreadsheet: no cell is ever read back as a formula.

Every CSV export of the back office writes its rows through `csv_row` (and so `csv_cell`), with
`csv_writer`. Text that begins like a formula ("=HYPERLINK(...)", "+1", "-2+3", "@SUM(A1)", or a
tab or carriage return before one) is what OWASP calls CSV injection: Excel, LibreOffice and
Google Sheets run it when the file is opened. Such a cell gets a leading single quote, which
spreadsheets show as text and hide; the full-width signs (＝ ＋ － ＠) are treated alike, since
some spreadsheets (Japanese Excel) read them as the ASCII ones.

Only text is neutralised. Text is where names, messages and ids from HighLevel and from users
end up; the numbers an export writes come from our own integer columns (ids, HTTP statuses,
durations), are written as numbers by the csv module, and a negative one ("-181") is a number to
a spreadsheet, not a formula, so it stays as it is. Quoting (commas, quotes, line breaks inside a
cell) is the csv module's, with QUOTE_MINIMAL spelled out.
"""
import csv
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_cell(value):
    """`value` as a CSV cell: text that starts like a formula gets a leading "'"; the rest as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


def csv_writer(file):
    """A csv.writer with the quoting every export uses: a cell with a comma, a quote or a line
    break is quoted, quotes inside doubled."""
    return csv.writer(file, quoting=csv.QUOTE_MINIMAL, doublequote=True, lineterminator="\r\n")
