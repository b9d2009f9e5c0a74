"""The template editor's forms: the agent fields of the contract, and its follow-up settings.

Each form builds what HighLevel would receive and asks agents.highlevel.schema, so the bounds
enforced here are exactly the contract's (wait time ≤ 300 seconds or ≤ 5 minutes, sleep time per
unit, 1–100 auto-pilot messages…), each message shown on the field it is about.
"""
import re

from django import forms

from agents.highlevel import schema
from agents.models import AgentTemplate
from agents.rollout.versions import TEMPLATE_AGENT_FIELDS
from backoffice.ids import parse_id

from .fields import (
    DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, PROMPT_MAX_LENGTH, LinesField, add_schema_errors, limit_length,
)
from .placeholders import check_placeholders

# The template's model fields under HighLevel's names (`agent_name` is the agent's name; no isPrimary).
TEMPLATE_API_FIELDS = TEMPLATE_AGENT_FIELDS
TEXT_FIELDS = ("agent_name", "business_name", "personality", "goal", "instructions")
TEXT_LIMITS = {
    "name": NAME_MAX_LENGTH, "description": DESCRIPTION_MAX_LENGTH, "agent_name": NAME_MAX_LENGTH,
    "business_name": NAME_MAX_LENGTH, "personality": PROMPT_MAX_LENGTH, "goal": PROMPT_MAX_LENGTH,
    "instructions": PROMPT_MAX_LENGTH,
}


def _choices(values, blank=None):
    choices = [(value, value) for value in values]
    return ([("", blank)] + choices) if blank is not None else choices


class AgentTemplateForm(forms.ModelForm):
    mode = forms.ChoiceField(choices=_choices(schema.MODES), initial="off")
    channels = forms.MultipleChoiceField(
        choices=_choices(schema.CHANNELS), required=False, widget=forms.CheckboxSelectMultiple
    )
    wait_time = forms.FloatField(min_value=0, initial=schema.DEFAULT_WAIT_TIME,
                                 help_text="At most 300 seconds or 5 minutes.")
    wait_time_unit = forms.ChoiceField(choices=_choices(schema.WAIT_TIME_UNITS), initial=schema.DEFAULT_WAIT_TIME_UNIT)
    sleep_time = forms.FloatField(
        min_value=0, required=False,
        help_text="Empty: sleep indefinitely. At most 48 hours, 2880 minutes or 172800 seconds.",
    )
    sleep_time_unit = forms.ChoiceField(choices=_choices(schema.SLEEP_TIME_UNITS, blank="—"), required=False)
    auto_pilot_max_messages = forms.IntegerField(
        label="Auto-pilot max messages",
        min_value=schema.AUTO_PILOT_MAX_MESSAGES_MIN, max_value=schema.AUTO_PILOT_MAX_MESSAGES_MAX,
        initial=schema.DEFAULT_AUTO_PILOT_MAX_MESSAGES,
    )
    knowledge_base_ids = LinesField(label="Knowledge base ids", split_commas=True,
                                    help_text="One per line, or separated by commas.")

    class Meta:
        model = AgentTemplate
        fields = [
            "name", "description", "agent_name", "business_name", "mode", "channels",
            "wait_time", "wait_time_unit", "sleep_enabled", "sleep_time", "sleep_time_unit",
            "personality", "goal", "instructions", "auto_pilot_max_messages", "knowledge_base_ids",
            "respond_to_images", "respond_to_audio", "sleep_on_manual_message", "sleep_on_workflow_message",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "personality": forms.Textarea(attrs={"rows": 4}),
            "goal": forms.Textarea(attrs={"rows": 4}),
            "instructions": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "agent_name": "May use {{ location.name }}, {{ location.id }}, {{ location.timezone }} or {{ vars.NAME }}.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, max_length in TEXT_LIMITS.items():
            if field in self.fields:  # the admin's read-only rendering (a Viewer) builds the form without them
                limit_length(self.fields[field], max_length)

    def clean_sleep_time_unit(self):
        return self.cleaned_data.get("sleep_time_unit") or ""

    def clean(self):
        cleaned = super().clean()
        for field in TEXT_FIELDS:
            if cleaned.get(field):
                try:
                    check_placeholders(cleaned[field])
                except forms.ValidationError as error:
                    self.add_error(field, error)
        if not self.errors:
            add_schema_errors(self, schema.validate_agent(self.api_payload(), partial=False), self._field_for_path)
        return cleaned

    def api_payload(self) -> dict:
        """The create body this template would send (placeholders not yet rendered)."""
        payload = {}
        for api, field in TEMPLATE_API_FIELDS.items():
            value = self.cleaned_data.get(field)
            if api == "sleepTimeUnit" and not value:
                continue
            if api in ("sleepTime", "businessName") and value in (None, ""):
                continue
            payload[api] = value
        return payload

    @staticmethod
    def _field_for_path(path):
        return TEMPLATE_API_FIELDS.get(path[0]) if path else None


# --- Follow-up settings ------------------------------------------------------------------------

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")  # 0 = Sunday
HOURS_MAX_LENGTH = 200  # a day's ranges: "09:00-12:00, 13:00-17:00" is 24 characters
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _format_intervals(intervals) -> str:
    return ", ".join(
        f"{i.get('startHour', 0):02d}:{i.get('startMinute', 0):02d}-{i.get('endHour', 0):02d}:{i.get('endMinute', 0):02d}"
        for i in intervals or [] if isinstance(i, dict)
    )


class FollowupSettingsForm(forms.Form):
    """The template's follow-up settings; untick "use" to leave each agent's own settings alone."""

    use_followup_settings = forms.BooleanField(
        label="Set follow-up settings", required=False,
        help_text="They apply to the template's advanced follow-up actions. Unticked: rollouts leave them as they are.",
    )
    dynamic_channel_switching = forms.BooleanField(required=False)
    follow_up_hours = forms.BooleanField(label="Follow up only within working hours", required=False)
    timezone_to_use = forms.ChoiceField(
        choices=_choices(schema.TIMEZONES_TO_USE, blank="—"), required=False,
        help_text="Whose timezone the working hours are in.",
    )

    def __init__(self, *args, settings=None, **kwargs):
        if settings is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(settings)
        super().__init__(*args, **kwargs)
        for index, day in enumerate(DAYS):
            self.fields[f"hours_{index}"] = forms.CharField(
                label=day, required=False, max_length=HOURS_MAX_LENGTH,
                widget=forms.TextInput(attrs={"placeholder": "e.g. 09:00-12:00, 13:00-17:00"}),
            )

    @staticmethod
    def initial_from(settings: dict | None) -> dict:
        if not settings:
            return {"use_followup_settings": False}
        initial = {
            "use_followup_settings": True,
            "dynamic_channel_switching": bool(settings.get("dynamicChannelSwitching")),
            "follow_up_hours": bool(settings.get("followUpHours")),
            "timezone_to_use": settings.get("timezoneToUse") or "",
        }
        for day in settings.get("workingHours") or []:
            if isinstance(day, dict) and day.get("dayOfTheWeek") in range(7):
                initial[f"hours_{day['dayOfTheWeek']}"] = _format_intervals(day.get("intervals"))
        return initial

    def day_fields(self):
        return [self[f"hours_{index}"] for index in range(len(DAYS))]

    def clean(self):
        cleaned = super().clean()
        for index in range(len(DAYS)):
            name = f"hours_{index}"
            text = cleaned.get(name) or ""
            intervals = []
            for part in filter(None, (piece.strip() for piece in text.split(","))):
                match = _INTERVAL.match(part)
                if not match:
                    self.add_error(name, f"“{part}” is not a time range like 09:00-17:00.")
                    break
                start_hour, start_minute, end_hour, end_minute = (int(group) for group in match.groups())
                intervals.append({"startHour": start_hour, "startMinute": start_minute,
                                  "endHour": end_hour, "endMinute": end_minute})
            cleaned[f"intervals_{index}"] = intervals
        if cleaned.get("use_followup_settings") and not self.errors:
            messages = schema.followup_settings_errors(self.settings_payload())
            add_schema_errors(self, messages, self._field_for_path)
        return cleaned

    def settings_payload(self) -> dict | None:
        """The followupSettings object, or None when the template leaves them alone."""
        data = self.cleaned_data
        if not data.get("use_followup_settings"):
            return None
        settings = {
            "dynamicChannelSwitching": bool(data.get("dynamic_channel_switching")),
            "followUpHours": bool(data.get("follow_up_hours")),
        }
        if data.get("timezone_to_use"):
            settings["timezoneToUse"] = data["timezone_to_use"]
        working_hours = [
            {"dayOfTheWeek": index, "intervals": data[f"intervals_{index}"]}
            for index in range(len(DAYS)) if data.get(f"intervals_{index}")
        ]
        if working_hours:
            settings["workingHours"] = working_hours
        return settings

    def _field_for_path(self, path):
        if not path:
            return None
        position = parse_id(path[1]) if path[0] == "workingHours" and len(path) > 1 else None
        if position is not None:
            # The message counts days by position in the list sent, not by day of the week.
            days = [index for index in range(len(DAYS)) if self.cleaned_data.get(f"intervals_{index}")]
            return f"hours_{days[position]}" if position < len(days) else None
        return {
            "dynamicChannelSwitching": "dynamic_channel_switching",
            "followUpHours": "follow_up_hours",
            "timezoneToUse": "timezone_to_use",
        }.get(path[0])
