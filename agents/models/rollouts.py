"""Bulk jobs: a rollout of a template (or a bulk update) and its per-location targets."""
from django.conf import settings
from django.db import models

from .locations import Location
from .templates import AgentTemplate


class Rollout(models.Model):
    class Kind(models.TextChoices):
        TEMPLATE = "template", "Template rollout"
        BULK_UPDATE = "bulk_update", "Bulk update"

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        PLANNED = "planned", "Planned, awaiting confirmation"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused after canary"
        CANCELLED = "cancelled", "Cancelled"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Finished with failures"

    class Strategy(models.TextChoices):
        ALL_AT_ONCE = "all", "All at once"
        CANARY = "canary", "Canary first"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEMPLATE)
    template = models.ForeignKey(AgentTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="rollouts")
    template_version = models.PositiveIntegerField(null=True, blank=True)
    # For bulk updates: the chosen fields and their new values (model field names).
    changes = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNING, db_index=True)
    strategy = models.CharField(max_length=10, choices=Strategy.choices, default=Strategy.ALL_AT_ONCE)
    canary_size = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why the rollout stopped (cancelled by whom, aborted after the canary), in words.
    status_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # Plan, confirm, continue, cancel and retry rollouts, and bulk updates (remote writes).
        permissions = [("run_rollout", "Can plan and run rollouts and bulk updates")]

    def __str__(self):
        what = self.template.name if self.template_id else "bulk update"
        return f"Rollout #{self.pk} ({what})"


class RolloutTarget(models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        PLANNED = "planned", "Planned"
        UNPLANNABLE = "unplannable", "Cannot be planned"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        UNCHANGED = "unchanged", "Nothing to do"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="targets")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="rollout_targets")
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveIntegerField(default=0)
    desired = models.JSONField(default=dict, blank=True)  # frozen rendered config
    plan = models.JSONField(default=list, blank=True)  # list of steps
    # What the plan does to this location: create, adopt, update, unchanged or unplannable.
    outcome = models.CharField(max_length=20, blank=True, db_index=True)
    steps_done = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveIntegerField(default=0)
    # Summaries of the steps done so far (across attempts) and, after a failure, of those left.
    done_log = models.JSONField(default=list, blank=True)
    remaining = models.JSONField(default=list, blank=True)
    # HTTP figures of this target's applies, for the rollout's totals.
    requests_sent = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    writes = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rollout", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["rollout", "location"], name="unique_target_per_rollout")]

    def __str__(self):
        return f"{self.rollout} → {self.location}"
