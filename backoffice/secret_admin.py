"""Write-only secrets in the admin, for every role and every admin view.

A secret (a private integration token, a client secret, a refresh token) can be typed in by a
role that may change the row, and is never rendered back: not in the edit form (a password box
that keeps the stored value when left empty) and not in the read-only rendering the admin gives
a role that may only view the row, where Django would otherwise print the decrypted value.
Both show only whether one is set.

`check_secret_admins` (a system check) refuses an admin of a model with an encrypted field that
does not use `WriteOnlySecretsAdmin`, so a new admin cannot leak one by forgetting it.
"""
from django import forms
from django.contrib import admin
from django.core import checks

from backoffice.crypto import EncryptedTextField


def secret_input(label):
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class SecretFieldsForm(forms.ModelForm):
    """A ModelForm whose `secret_fields` are password inputs that never show the stored value.

    Leaving one empty keeps what is stored; ticking its `remove_<name>` box clears it.
    """

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            stored = bool(self.instance.pk and getattr(self.instance, name))
            self.fields[name].help_text = "Set. Leave empty to keep it." if stored else "Not set."

    def clean(self):
        cleaned = super().clean()
        for name in self.secret_fields:
            if cleaned.get(f"remove_{name}"):
                cleaned[name] = ""
            elif not cleaned.get(name):
                # An empty password box means "unchanged", not "erase".
                cleaned[name] = getattr(self.instance, name) if self.instance.pk else ""
        return cleaned


def encrypted_field_names(model) -> list[str]:
    return [field.name for field in model._meta.get_fields() if isinstance(field, EncryptedTextField)]


def secret_state(obj, name: str) -> str:
    """"set" or "not set", without showing the value."""
    return "set" if obj is not None and getattr(obj, name) else "not set"


class WriteOnlySecretsAdmin:
    """Mix into a ModelAdmin (or inline) of a model with encrypted fields.

    Where the admin renders the row read-only (the role may view, not change), each encrypted
    field is replaced by its `<name>_state` ("set" / "not set") and the `remove_<name>` boxes go.
    """

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self._renders_read_only(request, obj):
            secrets = encrypted_field_names(self.model)
            removes = {f"remove_{name}" for name in secrets}
            fields = [f"{name}_state" if name in secrets else name for name in fields if name not in removes]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._renders_read_only(request, obj):
            readonly += [f"{name}_state" for name in encrypted_field_names(self.model)]
        return readonly

    def _renders_read_only(self, request, obj):
        # The admin's own rule (ModelAdmin._changeform_view): an existing row the user may not
        # change is rendered read-only; so is an add page of a user who may not add.
        if obj is None:
            return not self.has_add_permission(request)
        return not self.has_change_permission(request, obj)

    def __getattr__(self, name):
        # `<secret>_state` for every encrypted field, as a read-only display the admin can look up.
        if name.endswith("_state") and name[: -len("_state")] in encrypted_field_names(self.model):
            secret = name[: -len("_state")]
            label = self.model._meta.get_field(secret).verbose_name

            @admin.display(description=label)
            def state(obj):
                return secret_state(obj, secret)

            return state
        raise AttributeError(name)


@checks.register(checks.Tags.admin, checks.Tags.security)
def check_secret_admins(app_configs=None, **kwargs):
    """Every admin (and inline) of a model with an encrypted field uses WriteOnlySecretsAdmin."""
    errors = []
    for model, model_admin in admin.site._registry.items():
        inlines = [inline(model, admin.site) for inline in model_admin.inlines]
        for each in [model_admin, *inlines]:
            if encrypted_field_names(each.model) and not isinstance(each, WriteOnlySecretsAdmin):
                errors.append(checks.Error(
                    f"{type(each).__name__} shows {each.model.__name__}, which has encrypted fields, "
                    "without WriteOnlySecretsAdmin: a role that may only view it would read them in clear.",
                    obj=type(each), id="backoffice.E001",
                ))
    return errors
