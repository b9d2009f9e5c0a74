"""Database helpers: a savepoint only where one is needed, and statistics brought up to date."""
import pytest
from django.db import IntegrityError, connection, transaction

from agents.models import Location
from backoffice.db import refresh_statistics, savepoint_if_nested

pytestmark = pytest.mark.django_db


def test_a_lost_race_inside_a_transaction_leaves_the_transaction_usable():
    Location.objects.create(hl_id="loc-1", name="First")
    with transaction.atomic():
        with pytest.raises(IntegrityError), savepoint_if_nested():
            Location.objects.create(hl_id="loc-1", name="Again")
        Location.objects.create(hl_id="loc-2", name="Second")  # would fail without the savepoint
    assert sorted(Location.objects.values_list("hl_id", flat=True)) == ["loc-1", "loc-2"]


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
