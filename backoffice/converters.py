"""Path converters shared by the URL modules.

Django's `int` converter accepts any run of digits; an id past what the database column holds then
reaches the query and fails there (SQLite raises OverflowError: a 500). `id` matches only what a
primary key can be, so anything longer or larger is a 404 before the view runs.
"""
from django.urls import register_converter

# Both SQLite's INTEGER and PostgreSQL's bigint are signed 64-bit.
MAX_ID = 2**63 - 1


class BoundedIntConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")  # Django's resolver treats this as no match: a 404
        return number

    def to_url(self, value):
        return str(value)


# Registered on import: every URL module that uses <id:...> imports this module first.
register_converter(BoundedIntConverter, "id")
