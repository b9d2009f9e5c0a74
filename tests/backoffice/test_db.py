"""Database helpers: statistics brought up to date."""
import pytest
from django.db import connection

from agents.models import Location
from backoffice.db import refresh_statistics

pytestmark = pytest.mark.django_db


def test_refresh_statistics_gives_the_planner_the_rows_just_loaded():
    Location.objects.bulk_create([Location(hl_id=f"loc-{n}", name=f"Location {n}") for n in range(40)])
    refresh_statistics()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Location._meta.db_table])
            assert cursor.fetchone()[0] == 40
        else:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [Location._meta.db_table])
            assert {int(row[0].split()[0]) for row in cursor.fetchall()} == {40}
