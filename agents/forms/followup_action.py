"""The advanced follow-up action: enabled, a scenario, and a sequence of steps as table rows."""
from django import forms

from agents.highlevel import schema
from backoffice.ids import parse_id

from .actions import MAX_WHOLE_NUMBER, ActionForm, _choices
from .fields import DETAIL_TEXT_MAX_LENGTH, ID_MAX_LENGTH

MIN_STEP_ROWS = 3
MAX_STEP_ROWS = 20
# Form column → the step's key in HighLevel's followupSequence.
STEP_COLUMNS = {
    "time": "followupTime",
    "unit": "followupTimeUnit",
    "ai_message": "aiEnabledMessage",
    "custom_message": "customMessage",
    "workflow_id": "workflowId",
}


class AdvancedFollowupForm(ActionForm):
    action_type = "advancedFollowup"
    detail_keys = ("enabled", "scenarioId", "followupSequence")
    enabled = forms.BooleanField(required=False, initial=True)
    scenario_id = forms.ChoiceField(label="Scenario", choices=_choices(schema.FOLLOWUP_SCENARIOS))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = self._existing_steps()
        rows = max(MIN_STEP_ROWS, len(existing) + 1)
        if self.is_bound:
            rows = max(rows, self._rows_in_data())
        self.step_rows = min(rows, MAX_STEP_ROWS)
        for row in range(1, self.step_rows + 1):
            self.fields[f"step_{row}_time"] = forms.IntegerField(
                label=f"Step {row}: wait", required=False, min_value=1, max_value=MAX_WHOLE_NUMBER,
                help_text="Minutes ≤ 60, hours ≤ 24, days ≤ 180.",
            )
            self.fields[f"step_{row}_unit"] = forms.ChoiceField(
                label=f"Step {row}: unit", choices=_choices(schema.FOLLOWUP_TIME_UNITS), initial="hours", required=False
            )
            self.fields[f"step_{row}_ai_message"] = forms.BooleanField(
                label=f"Step {row}: AI writes the message", required=False, initial=True
            )
            self.fields[f"step_{row}_custom_message"] = forms.CharField(
                label=f"Step {row}: custom message", required=False, max_length=DETAIL_TEXT_MAX_LENGTH)
            self.fields[f"step_{row}_workflow_id"] = forms.CharField(
                label=f"Step {row}: workflow to trigger", required=False, max_length=ID_MAX_LENGTH
            )
        if not self.is_bound:
            for row, step in enumerate(existing, start=1):
                for column, key in STEP_COLUMNS.items():
                    if key in step:
                        self.initial[f"step_{row}_{column}"] = step[key]

    def _existing_steps(self):
        if not (self.instance.pk and self.instance.type == self.action_type):
            return []
        steps = self.instance.details.get("followupSequence")
        return [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []

    def _rows_in_data(self):
        rows = 0
        for key in self.data:
            parts = key.split("_")
            # parse_id, not isdigit(): "step_²_time" passed isdigit() and then failed int().
            row = parse_id(parts[1]) if len(parts) > 2 and parts[0] == "step" else None
            if row is not None:
                rows = max(rows, row)
        return rows

    def step_table(self):
        """Rows of bound fields for the template: [(row number, [fields…])]."""
        return [
            (row, [self[f"step_{row}_{column}"] for column in STEP_COLUMNS])
            for row in range(1, self.step_rows + 1)
        ]

    def _filled_rows(self):
        data = self.cleaned_data
        return [
            row for row in range(1, self.step_rows + 1)
            if data.get(f"step_{row}_time") is not None or data.get(f"step_{row}_custom_message")
            or data.get(f"step_{row}_workflow_id")
        ]

    def details_from_form(self):
        details = super().details_from_form()
        sequence = []
        for number, row in enumerate(self._filled_rows(), start=1):
            step = {
                "id": number,
                "followupTime": self.cleaned_data.get(f"step_{row}_time"),
                "followupTimeUnit": self.cleaned_data.get(f"step_{row}_unit") or None,
                "aiEnabledMessage": bool(self.cleaned_data.get(f"step_{row}_ai_message")),
            }
            if self.cleaned_data.get(f"step_{row}_custom_message"):
                step["customMessage"] = self.cleaned_data[f"step_{row}_custom_message"]
            if self.cleaned_data.get(f"step_{row}_workflow_id"):
                step["triggerWorkflow"] = True
                step["workflowId"] = self.cleaned_data[f"step_{row}_workflow_id"]
            sequence.append({key: value for key, value in step.items() if value is not None})
        details["followupSequence"] = sequence
        return details

    def field_for_path(self, path):
        if path and path[0] == "followupSequence":
            filled = self._filled_rows()
            position = parse_id(path[1]) if len(path) >= 3 else None
            if position is not None and position < len(filled):
                row = filled[position]
                column = {key: column for column, key in STEP_COLUMNS.items()}.get(path[2], "time")
                return f"step_{row}_{column}"
            return "step_1_time"
        return super().field_for_path(path)
