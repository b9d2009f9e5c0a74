"""A location's template variables ({{ vars.NAME }}) as rows of name and value."""
import re

from django import forms

from agents.rollout.rendering import SCALARS, stored_variables

from .fields import BoundedJSONField

_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
EXTRA_ROWS = 3
MAX_VARIABLES = 200
NAME_MAX_LENGTH = 100
VALUE_MAX_LENGTH = 2000
NAME_RULE = "Use letters, digits and underscores, not starting with a digit."


class VariableRowForm(forms.Form):
    name = forms.CharField(required=False, max_length=NAME_MAX_LENGTH,
                           widget=forms.TextInput(attrs={"placeholder": "calendar_id", "autocomplete": "off"}))
    value = forms.CharField(required=False, max_length=VALUE_MAX_LENGTH, strip=True,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if name.startswith("vars."):
            name = name[len("vars."):]
        if name and not _VARIABLE_NAME.match(name):
            raise forms.ValidationError(NAME_RULE)
        return name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("value") and not cleaned.get("name"):
            self.add_error("name", "Give the variable a name.")
        return cleaned


class BaseVariablesFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            name = form.cleaned_data.get("name")
            if name and name in seen:
                form.add_error("name", f"{name} is already defined above.")
            seen.add(name)

    def variables(self) -> dict:
        """{name: value}; a row whose name is empty is dropped, so clearing a name deletes it."""
        return {
            form.cleaned_data["name"]: form.cleaned_data.get("value", "")
            for form in self.forms if form.cleaned_data.get("name")
        }


VariablesFormSet = forms.formset_factory(
    VariableRowForm, formset=BaseVariablesFormSet, extra=EXTRA_ROWS, max_num=MAX_VARIABLES, validate_max=True
)


def variables_formset(location, data=None):
    """The rows of the location's variables; a stored value that is not one (legacy rows) is left out."""
    variables, _ = stored_variables(location)
    initial = [{"name": name, "value": "" if value is None else value} for name, value in sorted(variables.items())]
    return VariablesFormSet(data, initial=initial, prefix="vars")


class VariablesField(BoundedJSONField):
    """Location.variables typed as JSON (the admin): an object of variable names to single values,
    the same names and sizes the variables page allows, so `{{ vars.NAME }}` can use every one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", 'Names and values, e.g. {"calendar_id": "cal-1"}: used as {{ vars.NAME }}.')
        super().__init__(max_depth=2, max_string_length=VALUE_MAX_LENGTH, **kwargs)

    def to_python(self, value):
        variables = super().to_python(value)
        if variables is None:
            return {}
        if not isinstance(variables, dict):
            kind = "a list" if isinstance(variables, list) else "text" if isinstance(variables, str) else "a single value"
            raise forms.ValidationError(
                f'Variables are an object of names and values, like {{"calendar_id": "cal-1"}}; this is {kind}.',
                code="not_an_object")
        if len(variables) > MAX_VARIABLES:
            raise forms.ValidationError(f"At most {MAX_VARIABLES} variables (this has {len(variables)}).", code="too_many")
        errors = []
        for name, item in variables.items():
            shown = name if len(name) <= 40 else name[:40] + "…"
            if len(name) > NAME_MAX_LENGTH:
                errors.append(f"“{shown}” is longer than {NAME_MAX_LENGTH} characters.")
            elif not _VARIABLE_NAME.match(name):
                errors.append(f"“{shown}” is not a variable name. {NAME_RULE}")
            elif item is not None and not isinstance(item, SCALARS):
                errors.append(f"vars.{name} must be a single value (text, a number, true or false), not "
                              f"{'a list' if isinstance(item, list) else 'an object'}.")
        if errors:
            raise forms.ValidationError(errors, code="invalid")
        return variables
