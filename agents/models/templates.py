"""Agent templates: the desired agent, rendered per location with {{ variables }}."""
from django.conf import settings
from django.db import models


class AgentTemplate(models.Model):
    name = models.CharField("template name", max_length=200, unique=True)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # The agent as it should be, under the model names of agents.models.mirror.AGENT_API_FIELDS.
    # Text fields may hold {{ location.name }} or {{ vars.calendar_id }}.
    agent_name = models.CharField(max_length=300, help_text="Name of the agent in each location.")
    business_name = models.CharField(max_length=300, blank=True)
    mode = models.CharField(max_length=30, default="off")
    channels = models.JSONField(default=list, blank=True)
    wait_time = models.FloatField(default=2)
    wait_time_unit = models.CharField(max_length=20, default="seconds")
    sleep_enabled = models.BooleanField(default=False)
    sleep_time = models.FloatField(null=True, blank=True)
    sleep_time_unit = models.CharField(max_length=20, blank=True)
    personality = models.TextField()
    goal = models.TextField()
    instructions = models.TextField()
    auto_pilot_max_messages = models.IntegerField(default=75)
    knowledge_base_ids = models.JSONField(default=list, blank=True)
    respond_to_images = models.BooleanField(default=False)
    respond_to_audio = models.BooleanField(default=False)
    sleep_on_manual_message = models.BooleanField(default=False)
    sleep_on_workflow_message = models.BooleanField(default=False)
    followup_settings = models.JSONField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ActionTemplate(models.Model):
    template = models.ForeignKey(AgentTemplate, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=50)
    name = models.CharField(max_length=300)
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["template", "position", "id"]

    def __str__(self):
        return f"{self.name} ({self.type})"


class AgentTemplateVersion(models.Model):
    """A frozen copy of a template as saved, so versions can be compared and rollouts reproduced."""

    template = models.ForeignKey(AgentTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["template", "-version"]
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="unique_template_version")]

    def __str__(self):
        return f"{self.template} v{self.version}"
