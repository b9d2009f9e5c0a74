"""Provisioning: a new location gets a rollout of each template marked "for new locations".

The rollout is the ordinary one (agents.rollout.services): planned here, in the worker, then
confirmed at once (done by the system, as the audit log says) or left planned for a Manager to
confirm when PROVISION_HOLD_FOR_CONFIRMATION or the rule says so.
"""
from __future__ import annotations

import fnmatch
import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from agents.models import Location
from agents.rollout.services import confirm_rollout, create_rollout
from install.models import Provisioning, ProvisioningRule

logger = logging.getLogger(__name__)
Status = Provisioning.Status


def matches(rule: ProvisioningRule, location: Location) -> bool:
    if rule.name_pattern and not fnmatch.fnmatchcase(location.name.casefold(), rule.name_pattern.casefold()):
        return False
    if rule.variable_name:
        variables = location.variables if isinstance(location.variables, dict) else {}
        if rule.variable_name not in variables:
            return False
        if rule.variable_value and str(variables[rule.variable_name]) != rule.variable_value:
            return False
    return True


def provision_location(location_id: int) -> list[str]:
    """Every enabled rule's rollout to this location, once each; the statuses, in rule order."""
    location = Location.objects.get(pk=location_id)
    return [_provision(rule, location) for rule in ProvisioningRule.objects.filter(enabled=True).select_related("template")]


def _provision(rule: ProvisioningRule, location: Location) -> str:
    try:
        with transaction.atomic():
            claim = Provisioning.objects.create(rule=rule, location=location, status=Status.FAILED,
                                                message="Started; not finished.")
    except IntegrityError:
        return Provisioning.objects.get(rule=rule, location=location).status  # provisioned before
    if not matches(rule, location):
        return _settle(claim, Status.NOT_MATCHED, "The location does not match the rule's condition.")
    try:
        rollout = create_rollout(rule.template, [location], plan_inline=True)
        claim.rollout = rollout
        if rule.hold_for_confirmation or settings.PROVISION_HOLD_FOR_CONFIRMATION:
            return _settle(claim, Status.HELD, "Planned; a Manager confirms it on the rollout's page.")
        target = rollout.targets.get()
        if target.status != target.Status.PLANNED:
            return _settle(claim, Status.FAILED, f"{target.get_status_display()}: {target.error}")
        confirm_rollout(rollout)
        return _settle(claim, Status.STARTED, "Confirmed by the system.")
    except Exception as error:  # noqa: BLE001 - kept on the page, in words, for a Manager to act on
        logger.exception("Provisioning %s for location %s failed", rule, location.pk)
        return _settle(claim, Status.FAILED, str(error)[:500])


def _settle(claim: Provisioning, status: str, message: str) -> str:
    claim.status, claim.message = status, message
    claim.save(update_fields=["status", "message", "rollout"])
    return status
