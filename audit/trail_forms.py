"""The trail page's filter form: a GET form whose bad values become form errors, never a 500.

Templates and users are few enough to choose from a list. Locations, agents and rollouts can
be thousands, so they are given by id: their pages link here with the id filled in, and the
page names the chosen location, agent or rollout next to the field.
"""
import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator

from agents.models import Agent, AgentTemplate, Location, Rollout
from audit.models import AuditEvent
from audit.selectors import TrailFilters
from backoffice.ids import parse_id

# Wide enough for any event this back office can have written, narrow enough that the end of a
# day (date_to + 1 day, in the site's time zone, then UTC) stays inside what datetime and both
# databases hold: 9999-12-31 overflowed datetime and was a 500.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


class _TrailDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()})

    def __init__(self, **kwargs):
        message = f"Give a date between {EARLIEST_DATE:%Y-%m-%d} and {LATEST_DATE:%Y-%m-%d}."
        super().__init__(required=False, validators=[MinValueValidator(EARLIEST_DATE, message),
                                                     MaxValueValidator(LATEST_DATE, message)], **kwargs)


class _StrictIdChoiceField(forms.ModelChoiceField):
    """A model chosen by id, where only ASCII digits within the key's range are an id: anything
    else ("²", "١", 20 digits) is "no such choice" before it reaches the query."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model):
            text = value.strip() if isinstance(value, str) else value
            if parse_id(text) is None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            value = text
        return super().to_python(value)


class _IdChoiceField(_StrictIdChoiceField):
    """A model chosen by its id typed in (or carried in a link) rather than picked from a list."""

    widget = forms.NumberInput(attrs={"min": 1, "class": "id-input"})

    def __init__(self, queryset, *, noun, **kwargs):
        super().__init__(queryset, required=False, **kwargs)
        self.error_messages["invalid_choice"] = f"There is no {noun} with that id."


class TrailFilterForm(forms.Form):
    # By id, like agents: a list of 5,000 locations took half a second to render (measure_pages).
    location = _IdChoiceField(Location.objects.only("id", "name"), noun="location", label="Location id")
    agent = _IdChoiceField(Agent.objects.only("id", "name", "location_id"), noun="agent", label="Agent id")
    template = _StrictIdChoiceField(
        AgentTemplate.objects.only("id", "name").order_by("name"), required=False, empty_label="Any template"
    )
    rollout = _IdChoiceField(Rollout.objects.only("id"), noun="rollout", label="Rollout #")
    user = _StrictIdChoiceField(
        get_user_model().objects.only("id", "username").order_by("username"), required=False, empty_label="Anyone"
    )
    verb = forms.ChoiceField(choices=[("", "Any change")] + AuditEvent.Verb.choices, required=False, label="What")
    date_from = _TrailDateField(label="From")
    date_to = _TrailDateField(label="To")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda user: user.get_username()

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def trail_filters(self) -> TrailFilters:
        """The valid filters as ids; an unbound or invalid form gives no filters."""
        data = self.cleaned_data if self.is_valid() else {}

        def pk(name):
            value = data.get(name)
            return value.pk if value is not None else None

        return TrailFilters(
            location_id=pk("location"),
            agent_id=pk("agent"),
            template_id=pk("template"),
            rollout_id=pk("rollout"),
            actor_id=pk("user"),
            verb=data.get("verb") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
