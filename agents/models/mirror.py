"""The mirror: what HighLevel last said about each agent and action, field by field."""
from django.db import models

from .locations import Location

# HighLevel's camelCase agent fields and the model fields that mirror them. Sync, the rollout
# planner and the pages all go through this one table.
AGENT_API_FIELDS = {
    "name": "name",
    "businessName": "business_name",
    "mode": "mode",
    "channels": "channels",
    "isPrimary": "is_primary",
    "waitTime": "wait_time",
    "waitTimeUnit": "wait_time_unit",
    "sleepEnabled": "sleep_enabled",
    "sleepTime": "sleep_time",
    "sleepTimeUnit": "sleep_time_unit",
    "personality": "personality",
    "goal": "goal",
    "instructions": "instructions",
    "autoPilotMaxMessages": "auto_pilot_max_messages",
    "knowledgeBaseIds": "knowledge_base_ids",
    "respondToImages": "respond_to_images",
    "respondToAudio": "respond_to_audio",
    "sleepOnManualMessage": "sleep_on_manual_message",
    "sleepOnWorkflowMessage": "sleep_on_workflow_message",
}


class Agent(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        GONE = "gone", "Gone remotely"
        PENDING_DELETION = "pending_deletion", "Pending deletion"
        PURGED = "purged", "Purged"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="agents")
    hl_id = models.CharField("agent id", max_length=100)

    # Mirrored fields. Values are kept as HighLevel sent them (unknown enum values included:
    # read tolerantly), so CharFields carry no choices.
    name = models.CharField(max_length=300, db_index=True)
    business_name = models.CharField(max_length=300, blank=True)
    mode = models.CharField(max_length=30, blank=True, db_index=True)
    channels = models.JSONField(default=list, blank=True)
    is_primary = models.BooleanField(default=False)
    wait_time = models.FloatField(null=True, blank=True)
    wait_time_unit = models.CharField(max_length=20, blank=True)
    sleep_enabled = models.BooleanField(default=False)
    sleep_time = models.FloatField(null=True, blank=True)
    sleep_time_unit = models.CharField(max_length=20, blank=True)
    personality = models.TextField(blank=True)
    goal = models.TextField(blank=True)
    instructions = models.TextField(blank=True)
    auto_pilot_max_messages = models.IntegerField(null=True, blank=True)
    knowledge_base_ids = models.JSONField(default=list, blank=True)
    respond_to_images = models.BooleanField(default=False)
    respond_to_audio = models.BooleanField(default=False)
    sleep_on_manual_message = models.BooleanField(default=False)
    sleep_on_workflow_message = models.BooleanField(default=False)
    followup_settings = models.JSONField(null=True, blank=True)
    raw = models.JSONField("raw payload", default=dict, blank=True)

    # Management: which template (and version) this agent was last rolled out from.
    template = models.ForeignKey(
        "agents.AgentTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="agents"
    )
    template_version = models.PositiveIntegerField(null=True, blank=True)
    drifted = models.BooleanField(default=False, db_index=True)

    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE, db_index=True)
    remote_created_at = models.CharField(max_length=40, blank=True)
    remote_updated_at = models.CharField(max_length=40, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "hl_id"], name="unique_agent_per_location")]
        indexes = [
            models.Index(fields=["location", "state", "name"]),
            # The template list counts each template's active and drifted agents (measure_pages).
            models.Index(fields=["template", "state", "drifted"]),
        ]

    def __str__(self):
        return self.name

    def api_values(self):
        """The mirrored fields under HighLevel's names."""
        return {api: getattr(self, field) for api, field in AGENT_API_FIELDS.items()}


class Action(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        GONE = "gone", "Gone remotely"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="actions")
    hl_id = models.CharField("action id", max_length=100)
    name = models.CharField(max_length=300)
    type = models.CharField(max_length=50, db_index=True)
    details = models.JSONField(default=dict, blank=True)
    raw = models.JSONField("raw payload", default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agent", "name"]
        constraints = [models.UniqueConstraint(fields=["agent", "hl_id"], name="unique_action_per_agent")]

    def __str__(self):
        return f"{self.name} ({self.type})"
