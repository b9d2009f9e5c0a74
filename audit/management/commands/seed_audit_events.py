"""Bulk-add synthetic audit events, fast, for measuring the trail and its exports at scale.

    .venv/bin/python manage.py seed_audit_events 1000000

Events are written with plain multi-row INSERTs (not AuditEvent.objects.create), because the
model stamps `at` with the current time and a million save() calls would take minutes. They
spread over the past year and, when the database has locations and agents, point at them.
Synthetic rows are labelled with the actor "seed" so they are easy to tell apart.
"""
import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from agents.models import Agent
from audit.models import AuditEvent

LONG_INSTRUCTIONS = "\n".join(f"{n}. Greet the contact, answer from the FAQ, offer a booking." for n in range(1, 25))
CHANGE_SAMPLES = [
    {"mode": ["off", "auto-pilot"]},
    {"channels": [["SMS"], ["SMS", "WebChat"]], "wait_time": [2, 5]},
    {"instructions": [LONG_INSTRUCTIONS, LONG_INSTRUCTIONS.replace("offer a booking", "offer a call back", 1)]},
    {},
]
VERBS = [AuditEvent.Verb.UPDATED, AuditEvent.Verb.REMOTE_WRITE, AuditEvent.Verb.CREATED, AuditEvent.Verb.ROLLOUT]
COLUMNS = (
    "at", "actor_label", "verb", "object_type", "object_id", "object_repr", "location_id", "agent_id",
    "changes", "message", "http_method", "http_path", "http_status", "duration_ms",
)


class Command(BaseCommand):
    help = "Bulk-add N synthetic audit events (actor 'seed') for measurements."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=4, help="Random seed, for repeatable data.")

    def handle(self, *args, count, batch_size, seed, **options):
        if count < 1 or batch_size < 1:
            raise CommandError("The count and the batch size must be positive.")
        rng = random.Random(seed)
        agents = list(Agent.objects.values_list("id", "location_id", "hl_id", "name")[:200]) or [(None, None, "agent-x", "Agent X")]
        changes_field = AuditEvent._meta.get_field("changes")
        # Prepared once: the database form of each sample (JSON text, or jsonb on PostgreSQL).
        prepared_changes = [changes_field.get_db_prep_save(sample, connection) for sample in CHANGE_SAMPLES]
        now = timezone.now()
        year_seconds = 365 * 24 * 3600
        table = AuditEvent._meta.db_table
        sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"

        started = time.perf_counter()
        written = 0
        while written < count:
            size = min(batch_size, count - written)
            rows = []
            for _ in range(size):
                agent_id, location_id, hl_id, name = rng.choice(agents)
                verb = rng.choice(VERBS)
                at = now - datetime.timedelta(seconds=rng.randrange(year_seconds))
                remote = verb == AuditEvent.Verb.REMOTE_WRITE
                rows.append((
                    connection.ops.adapt_datetimefield_value(at), "seed", verb, "agent", hl_id, name,
                    location_id, agent_id, rng.choice(prepared_changes), "",
                    "PUT" if remote else "", f"/conversation-ai/agents/{hl_id}" if remote else "",
                    200 if remote else None, rng.randrange(40, 900) if remote else None,
                ))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            written += size
            if written % (batch_size * 20) == 0 or written == count:
                self.stdout.write(f"{written:,} events written")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Added {count:,} audit events in {elapsed:.1f} s; the log now holds {AuditEvent.objects.count():,}."
        ))
