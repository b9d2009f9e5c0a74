"""The provisioning page: templates marked "for new locations", and what each new location got."""
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backoffice.permissions import permission_required
from install.models import Provisioning, ProvisioningRule

RECENT_PROVISIONINGS = 100


class ProvisioningRuleForm(forms.ModelForm):
    class Meta:
        model = ProvisioningRule
        fields = ["template", "name_pattern", "variable_name", "variable_value", "hold_for_confirmation"]
        labels = {"template": "Template", "name_pattern": "Name matches", "hold_for_confirmation": "Hold for confirmation"}


@require_http_methods(["GET", "POST"])
@permission_required("install.view_provisioningrule", post=["install.add_provisioningrule"])
def provisioning(request):
    form = ProvisioningRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rule = form.save()
        messages.success(request, f"New locations now get {rule.template.name}.")
        return redirect("install:provisioning")
    rules = ProvisioningRule.objects.select_related("template").order_by("pk")
    recent = (Provisioning.objects.select_related("rule__template", "location", "rollout")
              .order_by("-at", "-pk")[:RECENT_PROVISIONINGS])
    return render(request, "install/provisioning.html", {"form": form, "rules": rules, "provisionings": recent},
                  status=400 if request.method == "POST" else 200)
