"""Starting a rollout: which locations, and all at once or a canary first."""
from django import forms

from agents.models import AgentTemplate, Location, Rollout

from .fields import SEARCH_MAX_LENGTH


class RolloutStrategyForm(forms.Form):
    strategy = forms.ChoiceField(choices=Rollout.Strategy.choices, initial=Rollout.Strategy.ALL_AT_ONCE,
                                 widget=forms.RadioSelect)
    canary_size = forms.IntegerField(
        label="Canary locations", min_value=1, max_value=1000, required=False,
        help_text="With a canary: how many locations go first; the rest wait for you to continue.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("strategy") == Rollout.Strategy.CANARY and not cleaned.get("canary_size"):
            self.add_error("canary_size", "Say how many locations go first.")
        if cleaned.get("strategy") != Rollout.Strategy.CANARY:
            cleaned["canary_size"] = 0
        return cleaned


class TemplateRolloutForm(RolloutStrategyForm):
    """On the template's page: the ticked locations, every location matching the filters, or all."""

    SCOPES = [("selected", "The locations I ticked"), ("matching", "Every location matching the search"),
              ("all", "All locations")]
    scope = forms.ChoiceField(choices=SCOPES, initial="selected", widget=forms.RadioSelect)
    locations = forms.ModelMultipleChoiceField(queryset=Location.objects.only("pk"), required=False)
    q = forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH)
    status = forms.ChoiceField(choices=[("", "any")] + list(Location.SyncStatus.choices), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == "selected" and not cleaned.get("locations"):
            self.add_error("locations", "Tick at least one location, or choose another scope.")
        return cleaned


class AdminRolloutForm(RolloutStrategyForm):
    """The admin's intermediate page: the template to roll out to the selected locations."""

    template = forms.ModelChoiceField(queryset=AgentTemplate.objects.order_by("name"), empty_label=None)
    field_order = ["template", "strategy", "canary_size"]
