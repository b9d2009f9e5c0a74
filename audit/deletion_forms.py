from django import forms


class DeletionRequestForm(forms.Form):
    """The reason for a deletion: required, shown to the reviewer and kept in the audit log."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "placeholder": "Why should this agent go?"}),
        max_length=2000,
        strip=True,
        error_messages={"required": "Say why this agent should be deleted; the reviewer reads it."},
    )
