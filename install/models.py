from django.db import models
from django.db.models import Q


class WebhookDelivery(models.Model):
    """One POST to /highlevel/webhooks/, whatever it held: kept with its verdict and what came of it.

    A webhookId is accepted once: the partial unique constraint makes the second insert fail, so
    two deliveries of one event racing in on two workers cannot both be handled. Rejected ones
    (forged, stale) do not hold the id, so a forger cannot block a real event by sending its id first.
    """

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        BAD_SIGNATURE = "bad_signature", "Refused: signature missing or wrong"
        MALFORMED = "malformed", "Refused: not a webhook event"
        STALE = "stale", "Refused: too old (or dated in the future)"
        REPLAYED = "replayed", "Ignored: already received"
        TOO_LARGE = "too_large", "Refused: too large"

    class Outcome(models.TextChoices):
        NOT_HANDLED = "", "Not handled"
        QUEUED = "queued", "Waiting to be handled"
        DONE = "done", "Handled"
        WAITING = "waiting", "Waiting for the agency to be connected"
        IGNORED = "ignored", "Nothing to do"
        FAILED = "failed", "Failed"

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    status_code = models.PositiveSmallIntegerField("answered")
    signed_with = models.CharField(max_length=10, blank=True)  # "Ed25519", "RSA"
    # From an accepted body only (a refused one is untrusted text).
    webhook_id = models.CharField("webhook id", max_length=200, blank=True)
    event_type = models.CharField("event", max_length=50, blank=True, db_index=True)
    company_id = models.CharField("company id", max_length=100, blank=True, db_index=True)
    location_hl_id = models.CharField("location id", max_length=100, blank=True)
    event_at = models.DateTimeField("sent at", null=True, blank=True)
    body = models.TextField(blank=True)  # as received, cut short and without NULs
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default=Outcome.NOT_HANDLED)
    outcome_message = models.TextField(blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook_id"], condition=Q(verdict="accepted"),
                                    name="install_webhook_id_accepted_once"),
        ]

    # HighLevel's event types, in words (webhook-events/*.md).
    EVENT_NAMES = {"INSTALL": "App installed", "UNINSTALL": "App uninstalled", "LocationCreate": "Sub-account created",
                   "LocationUpdate": "Sub-account changed", "PLAN_CHANGE": "Plan changed"}

    def __str__(self):
        return f"{self.event_name or 'Delivery'} at {self.received_at:%Y-%m-%d %H:%M:%S}"

    @property
    def event_name(self) -> str:
        return self.EVENT_NAMES.get(self.event_type, self.event_type)


class RemoteLocation(models.Model):
    """What HighLevel's events last said of one sub-account, each fact with the time it was sent.

    Events arrive late, twice, or out of order; a fact is replaced only by a newer one (by the
    event's timestamp), and the Location is then brought to what the facts say. So any order of
    the same events ends in the same state.
    """

    hl_id = models.CharField("location id", max_length=100, unique=True)
    company_id = models.CharField("company id", max_length=100, blank=True)
    name = models.CharField(max_length=200, blank=True)
    name_sent_at = models.DateTimeField(null=True, blank=True)
    announced = models.BooleanField(default=False, help_text="A LocationCreate was received.")
    installed = models.BooleanField(null=True, help_text="Unknown (None) until an INSTALL or UNINSTALL arrives.")
    installed_sent_at = models.DateTimeField(null=True, blank=True)
    # An INSTALL (or the code exchange) named it, even one older than the UNINSTALL that wins:
    # then the location is kept here, disconnected, whatever order the two arrived in.
    ever_installed = models.BooleanField(default=False)

    def __str__(self):
        return self.name or self.hl_id


class ProvisioningRule(models.Model):
    """A template rolled out by itself to every new location that matches (a sub-account HighLevel
    tells us of: LocationCreate or INSTALL), through the same plan and apply as any rollout."""

    template = models.ForeignKey("agents.AgentTemplate", on_delete=models.CASCADE, related_name="+")
    name_pattern = models.CharField(
        max_length=200, blank=True,
        help_text='Only locations whose name matches, e.g. "*Dental*" (* any text, ? one character). Empty: all.')
    variable_name = models.CharField(max_length=100, blank=True, help_text="Only locations with this variable…")
    variable_value = models.CharField(max_length=200, blank=True, help_text="…set to this value (empty: set at all).")
    hold_for_confirmation = models.BooleanField(
        default=False, help_text="Plan it, and wait for a Manager to confirm, instead of applying it at once.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.template} for new locations"


class Provisioning(models.Model):
    """One rule's rollout to one new location: started, held for confirmation, or why not."""

    class Status(models.TextChoices):
        STARTED = "started", "Rolled out by itself"
        HELD = "held", "Planned, waiting for a Manager to confirm"
        NOT_MATCHED = "not_matched", "Does not match the rule"
        FAILED = "failed", "Could not be started"

    rule = models.ForeignKey(ProvisioningRule, on_delete=models.CASCADE, related_name="provisionings")
    location = models.ForeignKey("agents.Location", on_delete=models.CASCADE, related_name="+")
    rollout = models.ForeignKey("agents.Rollout", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices)
    message = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        # A location is provisioned once per rule, however many events announce it.
        constraints = [models.UniqueConstraint(fields=["rule", "location"], name="install_provisioned_once")]
