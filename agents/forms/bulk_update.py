"""Bulk update: tick the fields to change on the chosen agents, give their new values.

Validated like an update HighLevel would receive (UpdateEmployeeDto), so a wait time of 10 minutes
is refused here and not by three hundred failed targets later.
"""
from django import forms

from agents.highlevel import schema

from .fields import NAME_MAX_LENGTH, PROMPT_MAX_LENGTH, LinesField, add_schema_errors
from .placeholders import check_placeholders
from .templates import TEMPLATE_API_FIELDS, _choices

# Each tickable group and the model fields it sets together (a time is never changed without its unit).
FIELD_GROUPS = {
    "mode": ("mode",),
    "channels": ("channels",),
    "wait_time": ("wait_time", "wait_time_unit"),
    "sleep": ("sleep_enabled", "sleep_time", "sleep_time_unit"),
    "auto_pilot_max_messages": ("auto_pilot_max_messages",),
    "business_name": ("business_name",),
    "personality": ("personality",),
    "goal": ("goal",),
    "instructions": ("instructions",),
    "knowledge_base_ids": ("knowledge_base_ids",),
    "respond_to_images": ("respond_to_images",),
    "respond_to_audio": ("respond_to_audio",),
    "sleep_on_manual_message": ("sleep_on_manual_message",),
    "sleep_on_workflow_message": ("sleep_on_workflow_message",),
}
GROUP_LABELS = {
    "mode": "Mode", "channels": "Channels", "wait_time": "Wait time", "sleep": "Sleep",
    "auto_pilot_max_messages": "Auto-pilot max messages", "business_name": "Business name",
    "personality": "Personality", "goal": "Goal", "instructions": "Instructions",
    "knowledge_base_ids": "Knowledge base ids", "respond_to_images": "Respond to images",
    "respond_to_audio": "Respond to audio", "sleep_on_manual_message": "Sleep on manual message",
    "sleep_on_workflow_message": "Sleep on workflow message",
}
MODEL_TO_API = {field: api for api, field in TEMPLATE_API_FIELDS.items()}
TEXT_FIELDS = ("business_name", "personality", "goal", "instructions")


class BulkUpdateForm(forms.Form):
    mode = forms.ChoiceField(choices=_choices(schema.MODES), required=False)
    channels = forms.MultipleChoiceField(choices=_choices(schema.CHANNELS), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    wait_time = forms.FloatField(min_value=0, required=False, help_text="At most 300 seconds or 5 minutes.")
    wait_time_unit = forms.ChoiceField(choices=_choices(schema.WAIT_TIME_UNITS), required=False, initial="seconds")
    sleep_enabled = forms.BooleanField(required=False)
    sleep_time = forms.FloatField(min_value=0, required=False, help_text="Empty: sleep indefinitely.")
    sleep_time_unit = forms.ChoiceField(choices=_choices(schema.SLEEP_TIME_UNITS, blank="—"), required=False)
    auto_pilot_max_messages = forms.IntegerField(
        min_value=schema.AUTO_PILOT_MAX_MESSAGES_MIN, max_value=schema.AUTO_PILOT_MAX_MESSAGES_MAX, required=False
    )
    business_name = forms.CharField(required=False, max_length=NAME_MAX_LENGTH)
    personality = forms.CharField(required=False, max_length=PROMPT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    goal = forms.CharField(required=False, max_length=PROMPT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    instructions = forms.CharField(required=False, max_length=PROMPT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}))
    knowledge_base_ids = LinesField(split_commas=True)
    respond_to_images = forms.BooleanField(required=False)
    respond_to_audio = forms.BooleanField(required=False)
    sleep_on_manual_message = forms.BooleanField(required=False)
    sleep_on_workflow_message = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for group, label in GROUP_LABELS.items():
            self.fields[f"change_{group}"] = forms.BooleanField(label=f"Change {label.lower()}", required=False)

    def groups(self):
        """[(label, tick box, [value fields])] for the template, in order."""
        return [
            (GROUP_LABELS[group], self[f"change_{group}"], [self[field] for field in fields])
            for group, fields in FIELD_GROUPS.items()
        ]

    def chosen_fields(self) -> list[str]:
        return [
            field for group, fields in FIELD_GROUPS.items() if self.cleaned_data.get(f"change_{group}")
            for field in fields
        ]

    def clean(self):
        cleaned = super().clean()
        chosen = self.chosen_fields()
        if not chosen:
            raise forms.ValidationError("Tick at least one field to change.")
        if "mode" in chosen and not cleaned.get("mode"):
            self.add_error("mode", "Choose the new mode.")
        if "wait_time" in chosen and cleaned.get("wait_time") is None:
            self.add_error("wait_time", "Give the new wait time.")
        if "auto_pilot_max_messages" in chosen and cleaned.get("auto_pilot_max_messages") is None:
            self.add_error("auto_pilot_max_messages", "Give the new maximum.")
        for field in TEXT_FIELDS:
            if field in chosen and cleaned.get(field):
                try:
                    check_placeholders(cleaned[field])
                except forms.ValidationError as error:
                    self.add_error(field, error)
        if self.errors:
            return cleaned
        payload = {MODEL_TO_API[field]: value for field, value in self.changes().items()}
        # Every update carries autoPilotMaxMessages; when it is not changed, each agent keeps its own.
        payload.setdefault("autoPilotMaxMessages", schema.DEFAULT_AUTO_PILOT_MAX_MESSAGES)
        add_schema_errors(self, schema.validate_agent(payload, partial=True), self._field_for_path)
        return cleaned

    def changes(self) -> dict:
        """The chosen fields and their new values, under the model's field names."""
        changes = {field: self.cleaned_data.get(field) for field in self.chosen_fields()}
        if "sleep_time_unit" in changes and not changes["sleep_time_unit"]:
            changes.pop("sleep_time_unit")
        return changes

    @staticmethod
    def _field_for_path(path):
        return TEMPLATE_API_FIELDS.get(path[0]) if path else None
