"""One structured form per action type, plus a JSON form for power users (and the admin).

Every form builds the `{type, name, details}` HighLevel would receive and asks
agents.highlevel.schema.validate_action, so the contract's rules (onlySendLink excludes the other
booking flags, at least two stop examples, sleep time when reactivating, follow-up time bounds per
unit…) come back as errors on the fields they are about. Detail keys a form does not show (set
through the JSON view) are kept as they are.
"""
import re

from django import forms

from agents.highlevel import schema
from agents.models import ActionTemplate

from .fields import (
    DETAIL_TEXT_MAX_LENGTH, ID_MAX_LENGTH, JSON_MAX_INT_DIGITS, NAME_MAX_LENGTH, BoundedJSONField, LinesField,
    add_schema_errors, drop_empty, limit_length,
)
from .placeholders import check_placeholders


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _choices(values, blank=None):
    choices = [(value, value) for value in values]
    return ([("", blank)] + choices) if blank is not None else choices


def _text(label=None, *, rows=None, required=False, help_text="", max_length=DETAIL_TEXT_MAX_LENGTH):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(label=label, required=required, widget=widget, help_text=help_text, max_length=max_length)


def _id(label=None, *, help_text=""):
    return _text(label, help_text=help_text, max_length=ID_MAX_LENGTH)


# The largest whole number the JSON view takes back (BoundedJSONField), so what one view saves the
# other can edit.
MAX_WHOLE_NUMBER = 10**JSON_MAX_INT_DIGITS - 1


def _sleep_time():
    return forms.IntegerField(required=False, min_value=1, max_value=MAX_WHOLE_NUMBER, label="Sleep time")


def _sleep_unit():
    return forms.ChoiceField(choices=_choices(schema.ACTION_SLEEP_TIME_UNITS, blank="—"), required=False,
                             label="Sleep time unit")


class ActionForm(forms.ModelForm):
    """Base of the structured forms: `detail_keys` are the details this form edits."""

    action_type = ""
    detail_keys: tuple[str, ...] = ()

    class Meta:
        model = ActionTemplate
        fields = ["name"]
        help_texts = {"name": "Shown in HighLevel. May use {{ location.name }} or {{ vars.NAME }}."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["name"], NAME_MAX_LENGTH)
        details = self.instance.details if self.instance.pk and self.instance.type == self.action_type else {}
        # Keep what this form does not edit, so the structured view never drops a power user's keys.
        self.kept_details = {key: value for key, value in details.items() if key not in self.detail_keys}
        if not self.is_bound:
            for key in self.detail_keys:
                if key in details and snake(key) in self.fields:
                    self.initial[snake(key)] = details[key]
            self.initial.update(self.extra_initial(details))

    def extra_initial(self, details: dict) -> dict:
        return {}

    def details_from_form(self) -> dict:
        values = {key: self.cleaned_data.get(snake(key)) for key in self.detail_keys if snake(key) in self.fields}
        return drop_empty(values)

    def details(self) -> dict:
        return {**self.kept_details, **self.details_from_form()}

    def payload(self) -> dict:
        return {"type": self.action_type, "name": self.cleaned_data.get("name", ""), "details": self.details()}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        payload = self.payload()
        try:
            check_placeholders(payload)
        except forms.ValidationError as error:
            self.add_error(None, error)
            return cleaned
        add_schema_errors(self, schema.validate_action(payload), self.field_for_path)
        return cleaned

    def field_for_path(self, path):
        if not path:
            return None
        if path[0] in ("name", "type"):
            return "name"
        return snake(path[0]) if snake(path[0]) in self.fields else None

    def save(self, commit=True):
        self.instance.type = self.action_type
        self.instance.details = self.details()
        return super().save(commit=commit)


class TriggerWorkflowForm(ActionForm):
    action_type = "triggerWorkflow"
    detail_keys = ("workflowIds", "triggerCondition", "triggerMessage")
    workflow_ids = LinesField(label="Workflow ids", split_commas=True, help_text="One per line.")
    trigger_condition = _text(rows=3, help_text="When should the agent trigger the workflow?")
    trigger_message = _text(rows=2)


class UpdateContactFieldForm(ActionForm):
    action_type = "updateContactField"
    detail_keys = ("contactFieldId", "description", "contactUpdateExamples")
    contact_field_id = _id("Contact field id")
    description = _text(rows=3, help_text="What the field holds, so the agent knows what to capture.")
    contact_update_examples = LinesField(label="Examples", help_text="One per line.")


class AppointmentBookingForm(ActionForm):
    action_type = "appointmentBooking"
    detail_keys = (
        "calendarId", "onlySendLink", "triggerWorkflow", "workflowIds", "sleepAfterBooking", "sleepTime",
        "sleepTimeUnit", "transferBot", "transferAgent", "rescheduleEnabled", "cancelEnabled",
    )
    calendar_id = _id("Calendar id", help_text="Usually {{ vars.calendar_id }}: each location has its own.")
    only_send_link = forms.BooleanField(
        label="Only send the booking link", required=False,
        help_text="When ticked, the five options below must stay unticked.",
    )
    trigger_workflow = forms.BooleanField(label="Trigger a workflow after booking", required=False)
    workflow_ids = LinesField(label="Workflow ids", split_commas=True, help_text="Needed when triggering a workflow.")
    sleep_after_booking = forms.BooleanField(required=False)
    sleep_time = _sleep_time()
    sleep_time_unit = _sleep_unit()
    transfer_bot = forms.BooleanField(label="Transfer to another agent after booking", required=False)
    transfer_agent = _id("Agent to transfer to", help_text="Needed when transferring.")
    reschedule_enabled = forms.BooleanField(label="Allow rescheduling", required=False)
    cancel_enabled = forms.BooleanField(label="Allow cancelling", required=False)


class StopBotForm(ActionForm):
    action_type = "stopBot"
    detail_keys = (
        "stopBotDetectionType", "stopBotTriggerCondition", "reactivateEnabled", "sleepTime", "sleepTimeUnit",
        "enabled", "stopBotExamples", "finalMessage", "tags",
    )
    enabled = forms.BooleanField(required=False, initial=True)
    stop_bot_detection_type = forms.ChoiceField(label="Detection", choices=_choices(schema.STOP_BOT_DETECTION_TYPES))
    stop_bot_trigger_condition = _text("Trigger condition", rows=2)
    stop_bot_examples = LinesField(label="Examples", help_text="At least 2, one per line.")
    final_message = _text(rows=2)
    reactivate_enabled = forms.BooleanField(label="Reactivate after a while", required=False)
    sleep_time = _sleep_time()
    sleep_time_unit = _sleep_unit()
    tags = LinesField(split_commas=True)


class HumanHandOverForm(ActionForm):
    action_type = "humanHandOver"
    detail_keys = (
        "enabled", "handoverType", "triggerCondition", "examples", "assignToUserId", "skipAssignToUser",
        "createTask", "reactivateEnabled", "sleepTime", "sleepTimeUnit", "finalMessage", "tags",
    )
    enabled = forms.BooleanField(required=False, initial=True)
    handover_type = forms.ChoiceField(label="Hand over when", choices=_choices(schema.HANDOVER_TYPES))
    trigger_condition = _text(rows=2)
    examples = LinesField(help_text="Needed for contactRequest and custom, one per line.")
    assign_to_user_id = _id("Assign to user id")
    skip_assign_to_user = forms.BooleanField(required=False)
    create_task = forms.BooleanField(required=False)
    final_message = _text(rows=2)
    reactivate_enabled = forms.BooleanField(label="Reactivate after a while", required=False)
    sleep_time = _sleep_time()
    sleep_time_unit = _sleep_unit()
    tags = LinesField(split_commas=True)


class TransferBotForm(ActionForm):
    action_type = "transferBot"
    detail_keys = ("transferBotType", "transferToBot", "enabled", "transferBotTriggerCondition", "transferBotExamples")
    enabled = forms.BooleanField(required=False, initial=True)
    transfer_bot_type = forms.ChoiceField(label="Transfer type", choices=_choices(schema.TRANSFER_BOT_TYPES))
    transfer_to_bot = _id("Agent to transfer to")
    transfer_bot_trigger_condition = _text("Trigger condition", rows=2, help_text="Needed for Custom.")
    transfer_bot_examples = LinesField(label="Examples", help_text="Custom needs at least 2, one per line.")


from .followup_action import AdvancedFollowupForm  # noqa: E402  (it builds on ActionForm)

ACTION_FORMS = {
    form.action_type: form
    for form in (
        TriggerWorkflowForm, UpdateContactFieldForm, AppointmentBookingForm, StopBotForm,
        HumanHandOverForm, AdvancedFollowupForm, TransferBotForm,
    )
}
ACTION_TYPE_LABELS = {
    "triggerWorkflow": "Trigger a workflow",
    "updateContactField": "Update a contact field",
    "appointmentBooking": "Book appointments",
    "stopBot": "Stop the bot",
    "humanHandOver": "Hand over to a human",
    "advancedFollowup": "Advanced follow-up",
    "transferBot": "Transfer to another agent",
}


class ActionJSONForm(forms.ModelForm):
    """The whole action as JSON, validated by the same contract (the admin inline uses it too)."""

    type = forms.ChoiceField(choices=_choices(schema.ACTION_TYPES))
    details = BoundedJSONField(max_string_length=DETAIL_TEXT_MAX_LENGTH,
                               widget=forms.Textarea(attrs={"rows": 14, "class": "code"}),
                              help_text="The action's details object, exactly as HighLevel receives it.")

    class Meta:
        model = ActionTemplate
        fields = ["type", "name", "details"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["name"], NAME_MAX_LENGTH)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        payload = {"type": cleaned["type"], "name": cleaned.get("name", ""), "details": cleaned["details"]}
        try:
            check_placeholders(payload)
        except forms.ValidationError as error:
            self.add_error("details", error)
            return cleaned
        add_schema_errors(self, schema.validate_action(payload), self._field_for_path)
        return cleaned

    @staticmethod
    def _field_for_path(path):
        return path[0] if path and path[0] in ("type", "name") else "details"
