"""Database helpers shared by the apps."""
from contextlib import nullcontext

from django.db import connection, transaction


def savepoint_if_nested():
    """For one INSERT that may lose a race (IntegrityError): a savepoint inside a transaction,
    nothing outside one.

    A single statement is atomic by itself; outside a transaction a failed one leaves nothing to
    roll back, and BEGIN/COMMIT around it would be two more round trips to the database. Inside
    one, the savepoint keeps the caller's transaction usable after the error.
    """
    return transaction.atomic() if connection.in_atomic_block else nullcontext()
