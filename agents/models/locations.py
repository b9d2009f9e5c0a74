from django.db import models
from django.utils import timezone

from backoffice.crypto import EncryptedTextField


class AgencyConnection(models.Model):
    """An agency-level OAuth connection from which location tokens are minted.

    HighLevel rotates refresh tokens: every refresh returns a new one and kills the old, so the
    row is locked while refreshing (see agents.credentials) and the new token saved at once.
    """

    name = models.CharField(max_length=200)
    company_id = models.CharField("company id", max_length=100)
    client_id = models.CharField("client id", max_length=200)
    app_id = models.CharField("app id", max_length=100, help_text="The marketplace app whose installations are imported.")
    client_secret = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_token = EncryptedTextField(blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def access_token_is_fresh(self, margin_seconds=120):
        return bool(
            self.access_token
            and self.access_token_expires_at
            and self.access_token_expires_at > timezone.now() + timezone.timedelta(seconds=margin_seconds)
        )


class Location(models.Model):
    """A HighLevel sub-account, with its credentials and the values its templates render with."""

    class SyncStatus(models.TextChoices):
        NEVER = "never", "Never synced"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Syncing"
        OK = "ok", "Synced"
        FAILED = "failed", "Failed"

    hl_id = models.CharField("location id", max_length=100, unique=True)
    name = models.CharField(max_length=200, db_index=True)
    timezone = models.CharField(max_length=64, blank=True)
    # Credentials: a Private Integration Token, or an agency connection that mints location tokens.
    pit = EncryptedTextField("private integration token", blank=True)
    connection = models.ForeignKey(
        AgencyConnection, null=True, blank=True, on_delete=models.PROTECT, related_name="locations"
    )
    location_token = EncryptedTextField(blank=True, editable=False)
    location_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Why the location has no credentials any more, e.g. the app was uninstalled from it in
    # HighLevel (install.events): its syncs and rollouts stop with this reason; empty when connected.
    # A database default too, so rows written by raw SQL (seed_scale's bulk copy) need not name it.
    disconnected_reason = models.CharField(max_length=300, blank=True, default="", db_default="", editable=False)
    # Per-location template variables, e.g. {"calendar_id": "...", "business_name": "..."}.
    variables = models.JSONField(default=dict, blank=True)

    sync_status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.NEVER, db_index=True)
    sync_error = models.TextField(blank=True)
    sync_started_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField("last sync", null=True, blank=True, db_index=True)
    # A lease: the job writing to this location remotely now (see agents.locks).
    write_lock_owner = models.CharField(max_length=100, blank=True, editable=False)
    write_lock_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [("sync_location", "Can sync locations from HighLevel")]

    def __str__(self):
        return self.name

    @property
    def has_credentials(self):
        return bool(self.pit or self.connection_id)

    @property
    def sync_in_progress(self):
        return self.sync_status in (self.SyncStatus.QUEUED, self.SyncStatus.RUNNING)


class RateLimitWindow(models.Model):
    """Shared pacing state of one HighLevel rate-limit bucket (one per location, plus agency calls).

    Every worker process reads and moves the counter with conditional UPDATEs, so the count is
    exact under races on any database (see agents.highlevel.ratelimit).
    """

    key = models.CharField(max_length=120, unique=True)
    window_started_at = models.FloatField(default=0.0)  # unix time, seconds
    used = models.PositiveIntegerField(default=0)
    limit = models.PositiveIntegerField(default=100)
    interval_ms = models.PositiveIntegerField(default=10_000)
    daily_remaining = models.IntegerField(null=True, blank=True)

    def __str__(self):
        return f"{self.key}: {self.used}/{self.limit} per {self.interval_ms} ms"
