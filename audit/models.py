"""The append-only change log."""
from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted once written."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEvent(models.Model):
    class Verb(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        GONE = "gone", "Gone remotely"
        REAPPEARED = "reappeared", "Reappeared remotely"
        SYNC_REQUESTED = "sync_requested", "Sync requested"
        SYNC_FAILED = "sync_failed", "Sync failed"
        REMOTE_WRITE = "remote_write", "Remote write"
        ROLLOUT = "rollout", "Rollout"
        SOFT_DELETED = "soft_deleted", "Soft deleted"
        RESTORED = "restored", "Restored"
        APPROVED = "approved", "Deletion approved"
        PURGED = "purged", "Purged"
        GENERATION = "generation", "Generation fetched"
        CREDENTIALS = "credentials", "Credentials changed"
        IMPORTED = "imported", "Imported"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, help_text="Who acted: a user name, or the job (e.g. 'sync').")
    verb = models.CharField(max_length=20, choices=Verb.choices, db_index=True)

    # What it is about. Foreign keys for filtering, plus text that survives their deletion.
    object_type = models.CharField(max_length=30)  # "agent", "action", "location", "template", ...
    object_id = models.CharField(max_length=100, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    location = models.ForeignKey("agents.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template = models.ForeignKey("agents.AgentTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rollout = models.ForeignKey("agents.Rollout", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # {field: [before, after]}
    changes = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    # For remote writes: the HTTP call that made the change.
    http_method = models.CharField(max_length=10, blank=True)
    http_path = models.CharField(max_length=300, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        permissions = [("export_auditevent", "Can export the audit trail")]
        indexes = [
            models.Index(fields=["location", "-at"]),
            models.Index(fields=["agent", "-at"]),
            models.Index(fields=["template", "-at"]),
            models.Index(fields=["rollout", "-at"]),
            models.Index(fields=["actor", "-at"]),
            models.Index(fields=["verb", "-at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_type} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")


class SoftDelete(models.Model):
    """A request to delete an agent: the snapshot that can bring it back, and its review.

    The agent is switched off remotely when the request is made; the real DELETE is sent only
    after approval and the retention window (see audit.deletion).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved, purge scheduled"
        REJECTED = "rejected", "Rejected (restored)"
        PURGED = "purged", "Purged"
        PURGE_FAILED = "purge_failed", "Purge failed, will retry"
        RESTORED_AFTER_PURGE = "restored_after_purge", "Re-created after purge"

    # Statuses in which the agent is switched off but still exists in HighLevel.
    SOFT_DELETED = (Status.PENDING, Status.APPROVED, Status.PURGE_FAILED)

    agent = models.ForeignKey("agents.Agent", null=True, on_delete=models.SET_NULL, related_name="deletion_requests")
    location = models.ForeignKey("agents.Location", null=True, on_delete=models.SET_NULL, related_name="+")
    # Text that survives the rows above, and the agent's HighLevel id when it was deleted
    # (a re-created agent gets a new one).
    agent_name = models.CharField(max_length=300)
    remote_agent_id = models.CharField("agent id at deletion", max_length=100)
    # {"agent": {API name: value}, "actions": [{id, type, name, details}],
    #  "followupSettings": {actionIds, followupSettings} or null, "previousMode": "...", "takenAt": iso}
    snapshot = models.JSONField()
    reason = models.TextField()

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_by_label = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    batch_id = models.UUIDField(db_index=True, help_text="Requests made together share one batch id.")

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True, db_index=True)
    purge_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    restored_at = models.DateTimeField(null=True, blank=True)
    # The agent re-created from the snapshot, saved as soon as HighLevel answers, so a restore
    # interrupted half-way continues with it instead of creating a second agent.
    recreated_agent_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        # Four eyes by role as well: a Manager asks, an Approver decides.
        permissions = [
            ("request_deletion", "Can ask for an agent to be deleted"),
            ("approve_deletion", "Can approve or reject deletion requests"),
            ("restore_agent", "Can restore a soft-deleted or purged agent"),
        ]
        constraints = [
            # One open request per agent: the agent cannot be soft-deleted twice.
            models.UniqueConstraint(
                fields=["agent"],
                condition=models.Q(status__in=["pending", "approved", "purge_failed", "purged"]),
                name="one_open_deletion_per_agent",
            ),
        ]
        indexes = [models.Index(fields=["status", "purge_after"])]

    def __str__(self):
        return f"Deletion of {self.agent_name} ({self.get_status_display()})"

    @property
    def is_soft_deleted(self) -> bool:
        return self.status in self.SOFT_DELETED

    @property
    def is_restorable(self) -> bool:
        return self.is_soft_deleted or self.status == self.Status.PURGED


class GenerationQuerySet(models.QuerySet):
    # Kept as fetched, like the audit events they belong with.
    def update(self, **kwargs):
        raise AppendOnlyError("Kept generations cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Kept generations cannot be deleted.")

    update.queryset_only = True
    delete.queryset_only = True


class Generation(models.Model):
    """What the AI used for one reply (prompt, history, knowledge, action logs), as HighLevel
    reported it when a manager looked it up, kept for the audit trail."""

    class Source(models.TextChoices):
        CONVERSATION = "conversation", "Conversation"
        WORKFLOW = "workflow", "Workflow"

    agent = models.ForeignKey("agents.Agent", null=True, on_delete=models.SET_NULL, related_name="generations")
    location = models.ForeignKey("agents.Location", null=True, on_delete=models.SET_NULL, related_name="+")
    # Text that survives the rows above.
    agent_name = models.CharField(max_length=300)
    remote_agent_id = models.CharField("agent id", max_length=100, blank=True)
    message_id = models.CharField("message id", max_length=100, db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    payload = models.JSONField(help_text="HighLevel's answer, as it came.")
    fetched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    fetched_by_label = models.CharField(max_length=150)
    fetched_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-fetched_at", "-id"]
        indexes = [models.Index(fields=["agent", "-fetched_at"])]
        permissions = [("fetch_generation", "Can look up generations in HighLevel")]

    def __str__(self):
        return f"Generation for message {self.message_id} ({self.source})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Kept generations cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Kept generations cannot be deleted.")
