"""Fill the mirror with an agency's worth of data, fast, to measure the pages at scale.

    .venv/bin/python manage.py seed_scale            # 5,000 locations, 50,000 agents, 250,000 actions,
                                                     # 1,000,000 audit events, a few templates and rollouts
    .venv/bin/python manage.py seed_scale --reset    # wipe the mirror first (the only way to run it twice)

Rows go in with raw multi-row writes, not save(): executemany on SQLite, COPY on PostgreSQL,
with their ids chosen here so that children can point at parents without reading them back.
The data is varied the way a real agency's is (names, modes, channels, the 7 action types with
details valid per agents.highlevel.schema, sync statuses, every audit verb over a year), and
repeatable: the same --seed gives the same rows.
"""
import datetime
import json
import random
import time
import uuid

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from agents.highlevel import schema
from agents.highlevel.sandbox.seeding import AGENT_ROLES, BRANDS, CITIES, DETAIL_BUILDERS, TRADES
from agents.models import (
    Action, ActionTemplate, AgencyConnection, Agent, AgentTemplate, AgentTemplateVersion, Location, Rollout,
    RolloutTarget,
)
from audit.models import AuditEvent, Generation, SoftDelete
from backoffice.db import refresh_statistics

# Children before parents: the order rows can be deleted in.
MIRROR_MODELS = [
    AuditEvent, Generation, SoftDelete, RolloutTarget, Rollout, Action, Agent,
    AgentTemplateVersion, ActionTemplate, AgentTemplate, Location, AgencyConnection,
]


def _with_referencing_models(models: list) -> list:
    """`models` and every model that refers to one of them, however indirectly (provisioning rules
    name templates, say): a reset empties those too, or the database refuses to empty the first."""
    wiped = list(models)
    while True:
        more = [model for model in apps.get_models() if model not in wiped and any(
            field.is_relation and field.related_model in wiped for field in model._meta.concrete_fields)]
        if not more:
            return wiped
        wiped = more + wiped


SEED_USERS = ("avery.manager", "jordan.reviewer", "sam.ops")
JOB_ACTORS = ("sync", "rollout", "purge")
MORE_ROLES = AGENT_ROLES + (
    ("Review Collector", "Grateful and brief", "Ask happy customers for a review."),
    ("Missed-Call Text Back", "Quick and helpful", "Answer missed calls by text and book a call back."),
    ("Quote Assistant", "Precise and honest", "Collect job details for a quote."),
    ("Spanish Front Desk", "Cálido y profesional", "Atender y agendar citas en español."),
    ("Membership Renewals", "Encouraging", "Remind members to renew and answer questions."),
)
# (verb, weight): a year of a busy agency's log.
VERB_WEIGHTS = [
    ("updated", 30), ("remote_write", 25), ("created", 10), ("rollout", 8), ("sync_failed", 5),
    ("generation", 4), ("gone", 3), ("reappeared", 2), ("soft_deleted", 3), ("restored", 2),
    ("approved", 2), ("purged", 2), ("credentials", 2), ("imported", 2), ("sync_requested", 3),
]
SYNC_ERRORS = (
    "HighLevel refused the token (401): it may have been revoked. Set a new private integration token.",
    "The token lacks a scope (403): conversation-ai.readonly is needed.",
    "HighLevel did not answer in time, after 4 retries.",
)
STATUS_WEIGHTS = [("ok", 85), ("failed", 5), ("never", 6), ("queued", 2), ("running", 2)]
AGENT_STATE_WEIGHTS = [("active", 97), ("gone", 2.6), ("pending_deletion", 0.2), ("purged", 0.2)]


class _Ids:
    """Stands in for the sandbox state's id maker, so its action detail builders can be reused."""

    def __init__(self, rng):
        self.rng = rng

    def new_id(self, length=20):
        return "".join(self.rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", k=length))


class Command(BaseCommand):
    help = "Fill the mirror with locations, agents, actions, audit events, templates and rollouts at scale."

    def add_arguments(self, parser):
        parser.add_argument("--locations", type=int, default=5000)
        parser.add_argument("--agents-per-location", type=int, default=10)
        parser.add_argument("--actions-per-agent", type=int, default=5)
        parser.add_argument("--audit-events", type=int, default=1_000_000)
        parser.add_argument("--templates", type=int, default=6)
        parser.add_argument("--rollouts", type=int, default=24)
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=5, help="Random seed, for repeatable data.")
        parser.add_argument("--reset", action="store_true", help="Wipe the mirror (and the audit log) first.")

    def handle(self, *args, **opts):
        if min(opts["locations"], opts["agents_per_location"], opts["batch_size"]) < 1 or \
                min(opts["actions_per_agent"], opts["audit_events"], opts["templates"], opts["rollouts"]) < 0:
            raise CommandError("Sizes must not be negative, and there must be at least one location and agent.")
        call_command("migrate", interactive=False, verbosity=0)  # a fresh scratch database works as it is
        self.rng = random.Random(opts["seed"])
        self.ids = _Ids(self.rng)
        self.batch_size = opts["batch_size"]
        self.now = timezone.now()
        started = time.perf_counter()
        if opts["reset"]:
            self._timed("wiped the mirror", self._reset)
        elif Location.objects.exists() or AuditEvent.objects.exists():
            raise CommandError("The mirror is not empty: run with --reset to wipe it first.")

        self.users = self._users()
        made = {}
        made["locations"] = self._timed("locations", self._locations, opts["locations"])
        made["templates"] = self._timed("templates", self._templates, opts["templates"])
        made["agents"], made["actions"] = self._timed(
            "agents and actions", self._agents, opts["agents_per_location"], opts["actions_per_agent"])
        made["rollouts"], made["rollout targets"] = self._timed("rollouts", self._rollouts, opts["rollouts"])
        made["deletion requests"] = self._timed("deletion requests", self._deletions)
        made["generations"] = self._timed("generations", self._generations)
        made["audit events"] = self._timed("audit events", self._events, opts["audit_events"])
        self._timed("statistics", self._analyze)

        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{count:,} {what}" for what, count in made.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {summary} in {elapsed:.1f} s ({connection.vendor})."))

    # --- Plumbing ------------------------------------------------------------------------------

    def _timed(self, what, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.stdout.write(f"  {what}: {time.perf_counter() - started:.1f} s")
        return result

    def _reset(self):
        tables = [model._meta.db_table for model in _with_referencing_models(MIRROR_MODELS)]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Deferred foreign-key checks of rows written in this transaction must run first:
                # TRUNCATE refuses a table with pending trigger events.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
            else:
                for table in tables:  # AuditEvent refuses QuerySet.delete(): the log is append-only
                    cursor.execute(f"DELETE FROM {table}")

    def _insert(self, model, columns, rows):
        """Write `rows` (tuples in the order of `columns`, values ready for the database)."""
        table = model._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(rows), self.batch_size):
                chunk = rows[start:start + self.batch_size]
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row(row)
                else:
                    placeholders = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", chunk)
        return len(rows)

    def _time(self, moment):
        if moment is None or connection.vendor == "postgresql":
            return moment
        return connection.ops.adapt_datetimefield_value(moment)

    def _ago(self, max_days, min_days=0):
        return self.now - datetime.timedelta(seconds=self.rng.uniform(min_days * 86400, max_days * 86400))

    def _next_id(self, model):
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    def _pick(self, weighted):
        values, weights = zip(*weighted)
        return self.rng.choices(values, weights)[0]

    def _analyze(self):
        refresh_statistics()  # a database in use has its statistics and visibility map
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), MIRROR_MODELS):
                    cursor.execute(sql)

    def _users(self):
        users = []
        for username in SEED_USERS:
            user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            users.append(user)
        return users

    # --- Locations, templates, agents, actions ---------------------------------------------------

    def _locations(self, count):
        self.connection = AgencyConnection.objects.create(
            name="Growth Agency (scale data)", company_id=self.ids.new_id(), client_id=self.ids.new_id(32),
            app_id=self.ids.new_id(24))
        pit_field = Location._meta.get_field("pit")
        # Encrypting is slow-ish (Fernet); a few distinct tokens are as good as 5,000 for measuring.
        pits = [pit_field.get_db_prep_save(f"pit-{self.ids.new_id(36)}", connection) for _ in range(50)]
        combos = [(b, t, c, v) for v in ("", " North", " Downtown", " West", " East", " Uptown")
                  for b in BRANDS for t in TRADES for c in CITIES]
        self.rng.shuffle(combos)
        first_id = self._next_id(Location)
        self.locations = []  # (id, name, brand)
        rows = []
        for index in range(count):
            brand, trade, (city, _region, _country, tz, _postal), variant = combos[index % len(combos)]
            name = f"{brand} {trade} — {city}{variant}" + (f" #{index // len(combos) + 1}" if index >= len(combos) else "")
            # Every status at least once, however few the locations; then as often as in life.
            status = STATUS_WEIGHTS[index][0] if index < len(STATUS_WEIGHTS) else self._pick(STATUS_WEIGHTS)
            credential = self.rng.random()
            synced_at = self._ago(3) if status in ("ok", "failed", "queued", "running") else None
            variables = {"business_name": f"{brand} {trade}", "calendar_id": self.ids.new_id(),
                         "booking_workflow_id": self.ids.new_id(), "city": city}
            location_id = first_id + index
            self.locations.append((location_id, name, f"{brand} {trade}"))
            rows.append((
                location_id, self.ids.new_id(), name, tz,
                self.rng.choice(pits) if credential < 0.75 else "",
                self.connection.pk if 0.75 <= credential < 0.95 else None,
                "", None, json.dumps(variables), status,
                self.rng.choice(SYNC_ERRORS) if status == "failed" else "",
                self._time(synced_at - datetime.timedelta(seconds=40) if synced_at else None),
                self._time(synced_at), "", None, self._time(self._ago(400, 30)),
            ))
        columns = ("id", "hl_id", "name", "timezone", "pit", "connection_id", "location_token",
                   "location_token_expires_at", "variables", "sync_status", "sync_error", "sync_started_at",
                   "synced_at", "write_lock_owner", "write_lock_expires_at", "created_at")
        return self._insert(Location, columns, rows)

    def _templates(self, count):
        self.templates = []  # (id, version)
        for index, (role, personality, goal) in enumerate(MORE_ROLES[:count]):
            template = AgentTemplate.objects.create(
                name=f"{role} (standard)", description=f"The agency's standard {role.lower()}.",
                agent_name=f"{{{{ vars.business_name }}}} {role}", business_name="{{ vars.business_name }}",
                mode=self.rng.choice(schema.MODES), channels=sorted(self.rng.sample(schema.CHANNELS, 2)),
                personality=personality, goal=goal,
                instructions=f"You work for {{{{ location.name }}}}. {goal} Keep answers under three sentences.",
                version=self.rng.randint(1, 6), updated_by=self.rng.choice(self.users),
            )
            for position, action_type in enumerate(self.rng.sample(schema.ACTION_TYPES, 3)):
                name, details = DETAIL_BUILDERS[action_type](self.ids, self.rng, [self.ids.new_id()])
                ActionTemplate.objects.create(template=template, position=position, type=action_type,
                                              name=name, details=details)
            AgentTemplateVersion.objects.bulk_create([
                AgentTemplateVersion(template=template, version=version, created_by=self.rng.choice(self.users),
                                     snapshot={"name": template.name, "agent": {"mode": template.mode}, "actions": []})
                for version in range(1, template.version + 1)
            ])
            self.templates.append((template.pk, template.version))
        return len(self.templates)

    def _agents(self, per_location, actions_per_agent):
        agent_id, action_id = self._next_id(Agent), self._next_id(Action)
        self.agents = []  # (id, location_id, hl_id, name, state)
        agent_rows, action_rows = [], []
        for location_id, _name, business in self.locations:
            roles = [MORE_ROLES[i % len(MORE_ROLES)] for i in range(per_location)]
            for position, (role, personality, goal) in enumerate(roles):
                hl_id, state = self.ids.new_id(), self._pick(AGENT_STATE_WEIGHTS)
                name = f"{business} {role}" + (f" {position // len(MORE_ROLES) + 1}" if position >= len(MORE_ROLES) else "")
                mode = "off" if state == "pending_deletion" else self.rng.choice(schema.MODES)
                template = self.rng.choice(self.templates) if self.templates and self.rng.random() < 0.3 else None
                synced = self._ago(3)
                payload = {
                    "id": hl_id, "locationId": location_id, "name": name, "businessName": business, "mode": mode,
                    "channels": sorted(self.rng.sample(schema.CHANNELS, self.rng.randint(1, 4))),
                    "isPrimary": position == 0, "waitTime": self.rng.choice((2, 5, 30)), "waitTimeUnit": "seconds",
                    "sleepEnabled": self.rng.random() < 0.5, "sleepTime": self.rng.choice((2, 12, 24)),
                    "sleepTimeUnit": "hours", "personality": personality, "goal": goal,
                    "instructions": f"You work for {business}. {goal} Keep answers under three sentences, never "
                                    "quote prices, and offer to book a visit.",
                    "autoPilotMaxMessages": self.rng.choice((25, 50, 75)),
                    "knowledgeBaseIds": [self.ids.new_id() for _ in range(self.rng.randint(0, 2))],
                    "respondToImages": self.rng.random() < 0.5, "respondToAudio": self.rng.random() < 0.3,
                    "sleepOnManualMessage": self.rng.random() < 0.7, "sleepOnWorkflowMessage": self.rng.random() < 0.2,
                }
                created = self._ago(400, 5)
                agent_rows.append((
                    agent_id, location_id, hl_id, name, business, mode, json.dumps(payload["channels"]),
                    payload["isPrimary"], payload["waitTime"], "seconds", payload["sleepEnabled"], payload["sleepTime"],
                    "hours", personality, goal, payload["instructions"], payload["autoPilotMaxMessages"],
                    json.dumps(payload["knowledgeBaseIds"]), payload["respondToImages"], payload["respondToAudio"],
                    payload["sleepOnManualMessage"], payload["sleepOnWorkflowMessage"], None, json.dumps(payload),
                    template[0] if template else None, template[1] if template else None,
                    bool(template) and self.rng.random() < 0.1, state,
                    created.isoformat(timespec="milliseconds"), synced.isoformat(timespec="milliseconds"),
                    self._time(created), self._time(synced),
                ))
                self.agents.append((agent_id, location_id, hl_id, name, state))
                for number in range(actions_per_agent):
                    action_type = schema.ACTION_TYPES[(agent_id + number) % len(schema.ACTION_TYPES)]
                    action_name, details = DETAIL_BUILDERS[action_type](self.ids, self.rng, [self.ids.new_id()])
                    action_hl_id = self.ids.new_id()
                    action_rows.append((
                        action_id, agent_id, action_hl_id, action_name, action_type, json.dumps(details),
                        json.dumps({"id": action_hl_id, "type": action_type, "name": action_name, "details": details}),
                        "gone" if self.rng.random() < 0.03 else "active", self._time(synced),
                    ))
                    action_id += 1
                agent_id += 1
        agent_columns = (
            "id", "location_id", "hl_id", "name", "business_name", "mode", "channels", "is_primary", "wait_time",
            "wait_time_unit", "sleep_enabled", "sleep_time", "sleep_time_unit", "personality", "goal", "instructions",
            "auto_pilot_max_messages", "knowledge_base_ids", "respond_to_images", "respond_to_audio",
            "sleep_on_manual_message", "sleep_on_workflow_message", "followup_settings", "raw", "template_id",
            "template_version", "drifted", "state", "remote_created_at", "remote_updated_at", "first_seen_at",
            "synced_at",
        )
        action_columns = ("id", "agent_id", "hl_id", "name", "type", "details", "raw", "state", "synced_at")
        return self._insert(Agent, agent_columns, agent_rows), self._insert(Action, action_columns, action_rows)

    # --- Rollouts, deletions, generations --------------------------------------------------------

    def _rollouts(self, count):
        """Rollouts of every status; the first covers every location (the biggest progress page)."""
        if not self.templates:
            return 0, 0
        statuses = ["finished", "failed", "running", "paused", "cancelled", "planned"]
        target_rows, rollout_ids = [], []
        target_id = self._next_id(RolloutTarget)
        for index in range(count):
            template_id, version = self.rng.choice(self.templates)
            status = statuses[index % len(statuses)]
            created = self._ago(360, 1) if index else self._ago(1)
            rollout = Rollout.objects.create(
                template_id=template_id, template_version=version, status=status,
                strategy=self.rng.choice(Rollout.Strategy.values), created_by=self.rng.choice(self.users),
                started_at=None if status == "planned" else created, canary_size=5,
                finished_at=created + datetime.timedelta(minutes=12) if status in ("finished", "failed", "cancelled") else None,
            )
            Rollout.objects.filter(pk=rollout.pk).update(created_at=created)  # auto_now_add stamps "now"
            rollout_ids.append(rollout.pk)
            size = len(self.locations) if index == 0 else self.rng.randint(min(5, len(self.locations)), min(400, len(self.locations)))
            for position, (location_id, _name, _business) in enumerate(self.rng.sample(self.locations, size)):
                target_status, outcome = self._target_status(status, position)
                target_rows.append((
                    target_id, rollout.pk, location_id, position, "{}", "[]", outcome,
                    3 if target_status == "succeeded" else 0, 3, "[]", "[]", 4, 0, 3, target_status,
                    1 if target_status in ("succeeded", "failed") else 0,
                    "HighLevel refused the update (422): waitTime must not be greater than 300." if target_status == "failed" else "",
                    self._time(created), self._time(created + datetime.timedelta(seconds=30)),
                ))
                target_id += 1
        self.rollout_ids = rollout_ids
        columns = ("id", "rollout_id", "location_id", "position", "desired", "plan", "outcome", "steps_done",
                   "steps_total", "done_log", "remaining", "requests_sent", "retries", "writes", "status", "attempts",
                   "error", "started_at", "finished_at")
        return len(rollout_ids), self._insert(RolloutTarget, columns, target_rows)

    def _target_status(self, rollout_status, position):
        outcomes = [("update", 60), ("create", 20), ("unchanged", 15), ("adopt", 4), ("unplannable", 1)]
        # Every outcome in each rollout big enough, so that each plan filter shows rows.
        outcome = outcomes[position][0] if position < len(outcomes) else self._pick(outcomes)
        if rollout_status == "planned":
            return ("unplannable" if outcome == "unplannable" else "planned"), outcome
        if rollout_status in ("running", "paused", "cancelled"):
            return self._pick([("succeeded", 50), ("queued", 30), ("failed", 5), ("skipped", 15)]), outcome
        return self._pick([("succeeded", 80), ("unchanged", 15), ("failed", 5 if rollout_status == "failed" else 0.1)]), outcome

    def _deletions(self):
        rows = []
        batch = uuid.uuid4()
        statuses = {"pending_deletion": "pending", "purged": "purged"}
        first_id = self._next_id(SoftDelete)
        for index, (agent_id, location_id, hl_id, name, state) in enumerate(a for a in self.agents if a[4] in statuses):
            if index % 8 == 0:
                batch = uuid.uuid4()  # requests made together share a batch
            status = statuses[state]
            requested = self._ago(2) if status == "pending" else self._ago(200, 10)
            snapshot = {"agent": {"name": name, "mode": "auto-pilot"}, "actions": [], "followupSettings": None,
                        "previousMode": "auto-pilot", "takenAt": requested.isoformat()}
            user = self.users[index % len(self.users)]
            reviewer = self.users[(index + 1) % len(self.users)]
            rows.append((
                first_id + index, agent_id, location_id, name, hl_id, json.dumps(snapshot),
                "Duplicate of the location's front desk agent.", user.pk, user.username, self._time(requested),
                str(batch), status, reviewer.pk if status == "purged" else None,
                self._time(requested + datetime.timedelta(hours=2)) if status == "purged" else None,
                self._time(requested + datetime.timedelta(hours=74)) if status == "purged" else None, 1 if status == "purged" else 0,
                "", self._time(requested + datetime.timedelta(hours=74)) if status == "purged" else None, None, None, "",
            ))
        columns = ("id", "agent_id", "location_id", "agent_name", "remote_agent_id", "snapshot", "reason",
                   "requested_by_id", "requested_by_label", "requested_at", "batch_id", "status", "reviewed_by_id",
                   "reviewed_at", "purge_after", "purge_attempts", "last_error", "purged_at", "restored_by_id",
                   "restored_at", "recreated_agent_id")
        return self._insert(SoftDelete, columns, rows)

    def _generations(self):
        rows = []
        first_id = self._next_id(Generation)
        for index, (agent_id, location_id, hl_id, name, _state) in enumerate(self.rng.sample(self.agents, min(2000, len(self.agents)))):
            user = self.rng.choice(self.users)
            payload = {"prompt": "Personality: warm", "responseMessage": "We're open 9 to 5.", "agentId": hl_id,
                       "input": "What are your hours?", "actionLogs": []}
            rows.append((first_id + index, agent_id, location_id, name, hl_id, self.ids.new_id(),
                         self.rng.choice(Generation.Source.values), json.dumps(payload), user.pk, user.username,
                         self._time(self._ago(365))))
        columns = ("id", "agent_id", "location_id", "agent_name", "remote_agent_id", "message_id", "source", "payload",
                   "fetched_by_id", "fetched_by_label", "fetched_at")
        return self._insert(Generation, columns, rows)

    # --- The audit log ---------------------------------------------------------------------------

    def _events(self, count):
        columns = ("id", "at", "actor_id", "actor_label", "verb", "object_type", "object_id", "object_repr",
                   "location_id", "agent_id", "template_id", "rollout_id", "changes", "message", "http_method",
                   "http_path", "http_status", "duration_ms")
        next_id, written = self._next_id(AuditEvent), 0
        while written < count:
            size = min(self.batch_size * 5, count - written)
            rows = [(next_id + n, *self._event()) for n in range(size)]
            self._insert(AuditEvent, columns, rows)
            next_id, written = next_id + size, written + size
            if written % 200_000 == 0:
                self.stdout.write(f"    {written:,} audit events")
        return written

    def _event(self):
        rng = self.rng
        verb = self._pick(VERB_WEIGHTS)
        agent_id, location_id, hl_id, name, _state = rng.choice(self.agents)
        by_user = verb in ("soft_deleted", "restored", "approved", "credentials", "imported", "generation") or \
            (verb in ("remote_write", "rollout", "updated") and rng.random() < 0.2)
        user = rng.choice(self.users) if by_user else None
        actor_label = user.username if user else ("rollout" if verb in ("remote_write", "rollout") else
                                                 "purge" if verb == "purged" else "sync")
        template_id = rollout_id = None
        object_type, object_id, object_repr = "agent", hl_id, name
        changes, message, http = "{}", "", ("", "", None, None)
        if verb == "updated":
            field, before, after = rng.choice((
                ("mode", "off", "auto-pilot"), ("mode", "suggestive", "auto-pilot"), ("wait_time", 2, 5),
                ("channels", ["SMS"], ["SMS", "WebChat"]), ("auto_pilot_max_messages", 50, 75),
                ("instructions", "Keep answers short.", "Keep answers under three sentences and offer a booking."),
            ))
            changes = json.dumps({field: [before, after]})
        elif verb == "remote_write":
            method = rng.choice(("PUT", "PUT", "POST", "DELETE"))
            status = rng.choice((200, 200, 200, 201, 422, 429))
            http = (method, f"/conversation-ai/agents/{hl_id}", status, rng.randrange(40, 900))
            if rng.random() < 0.3:
                template_id, _version = rng.choice(self.templates) if self.templates else (None, None)
                rollout_id = rng.choice(self.rollout_ids) if getattr(self, "rollout_ids", None) else None
        elif verb == "rollout":
            if getattr(self, "rollout_ids", None):
                rollout_id = rng.choice(self.rollout_ids)
                template_id = rng.choice(self.templates)[0]
                object_type, object_id, object_repr = "rollout", str(rollout_id), f"Rollout #{rollout_id}"
            message = rng.choice(("Planned.", "Confirmed.", "Applied 3 steps.", "Finished."))
        elif verb in ("sync_failed", "credentials", "imported", "sync_requested"):
            object_type, object_id, object_repr, agent_id = "location", "", name.rsplit(" ", 2)[0], None
            message = {"sync_failed": rng.choice(SYNC_ERRORS), "credentials": "Private integration token changed.",
                       "imported": "Imported.", "sync_requested": ""}[verb]
        elif verb == "generation":
            object_type, object_id = "generation", self.ids.new_id()
        elif verb in ("soft_deleted", "approved", "restored", "purged"):
            message = "Duplicate of the location's front desk agent."
        return (self._time(self._ago(365)), user.pk if user else None, actor_label, verb, object_type, object_id,
                object_repr, location_id, agent_id, template_id, rollout_id, changes, message, *http)
