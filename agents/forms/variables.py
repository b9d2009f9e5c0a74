"""A location's template variables ({{ vars.NAME }}) as rows of name and value."""
import re

from django import forms

_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
EXTRA_ROWS = 3


class VariableRowForm(forms.Form):
    name = forms.CharField(required=False, max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": "calendar_id", "autocomplete": "off"}))
    value = forms.CharField(required=False, max_length=2000, strip=True,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if name.startswith("vars."):
            name = name[len("vars."):]
        if name and not _VARIABLE_NAME.match(name):
            raise forms.ValidationError("Use letters, digits and underscores, not starting with a digit.")
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
    VariableRowForm, formset=BaseVariablesFormSet, extra=EXTRA_ROWS, max_num=200, validate_max=True
)


def variables_formset(location, data=None):
    initial = [{"name": name, "value": value} for name, value in sorted((location.variables or {}).items())]
    return VariablesFormSet(data, initial=initial, prefix="vars")
