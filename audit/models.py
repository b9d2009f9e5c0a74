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
