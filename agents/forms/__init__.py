"""Forms of the template editor, rollouts, bulk update and location variables."""
from .actions import ACTION_FORMS, ACTION_TYPE_LABELS, ActionForm, ActionJSONForm
from .bulk_update import BulkUpdateForm
from .rollouts import AdminRolloutForm, RolloutStrategyForm, TemplateRolloutForm
from .templates import AgentTemplateForm, FollowupSettingsForm
from .variables import VariablesField, VariablesFormSet, variables_formset

__all__ = [
    "ACTION_FORMS", "ACTION_TYPE_LABELS", "ActionForm", "ActionJSONForm", "AdminRolloutForm", "AgentTemplateForm",
    "BulkUpdateForm", "FollowupSettingsForm", "RolloutStrategyForm", "TemplateRolloutForm", "VariablesField", "VariablesFormSet",
    "variables_formset",
]
