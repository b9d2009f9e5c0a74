"""Database helpers shared by the apps."""
from django.db import connection


def refresh_statistics() -> None:
    """What autovacuum does by and by, now: VACUUM (ANALYZE) on PostgreSQL, ANALYZE on SQLite.

    After a bulk load or a bulk delete the planner's statistics and PostgreSQL's visibility map
    lag behind the data: counts by index read the table row by row, and the dead rows of a
    replaced data set are scanned past until a vacuum comes (never, where autovacuum is off, as
    on this project's test machines). seed_scale calls this after loading; the benchmarks after
    seeding, so that a run pays neither for the last run's leftovers nor for a vacuum it set off.
    VACUUM cannot run inside a transaction (as in tests): ANALYZE alone there.
    """
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
