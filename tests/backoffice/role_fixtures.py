"""Users with one role each, and one of every object the back office's URLs point at."""
import uuid

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from agents.models import (
    Action, ActionTemplate, AgencyConnection, Agent, AgentTemplate, AgentTemplateVersion, Location, RateLimitWindow,
    Rollout, RolloutTarget,
)
from audit.models import AuditEvent, Generation, SoftDelete
from backoffice.permissions import APPROVER, MANAGER, VIEWER
from install.models import WebhookDelivery

ROLE_NAMES = ("anonymous", "viewer", "manager", "approver", "superuser")


def make_role_user(django_user_model, role):
    """A staff user in the role's group (staff lets them open the admin; the group decides what
    they may do there), or a superuser."""
    if role == "superuser":
        return django_user_model.objects.create_superuser(f"{role}-user", password="role-pass-123")
    user = django_user_model.objects.create_user(f"{role}-user", password="role-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name={"viewer": VIEWER, "manager": MANAGER, "approver": APPROVER}[role]))
    return user


@pytest.fixture
def role_users(django_user_model):
    return {role: make_role_user(django_user_model, role) for role in ROLE_NAMES if role != "anonymous"}


@pytest.fixture
def url_objects(db, django_user_model):
    """One of each object, named by the URL argument that points at it."""
    requester = django_user_model.objects.create_user("requester", password="requester-pass-123")
    connection = AgencyConnection.objects.create(name="Agency", company_id="company-1", client_id="client-1")
    location = Location.objects.create(hl_id="loc-1", name="Bright Smiles", variables={"calendar_id": "cal-1"})
    agent = Agent.objects.create(location=location, hl_id="agent-1", name="Reception", mode="auto-pilot")
    pending_agent = Agent.objects.create(location=location, hl_id="agent-2", name="Night desk", mode="off",
                                         state=Agent.State.PENDING_DELETION)
    action = Action.objects.create(agent=agent, hl_id="action-1", type="appointmentBooking", name="Book")
    template = AgentTemplate.objects.create(name="Front desk", agent_name="Front desk", personality="Kind", goal="Book",
                                            instructions="Be brief")
    action_template = ActionTemplate.objects.create(template=template, type="appointmentBooking", name="Book",
                                                    details={"calendarId": "{{ vars.calendar_id }}"})
    version = AgentTemplateVersion.objects.create(template=template, version=1, snapshot={})
    rollout = Rollout.objects.create(template=template, template_version=1, status=Rollout.Status.RUNNING)
    target = RolloutTarget.objects.create(rollout=rollout, location=location, status=RolloutTarget.Status.FAILED,
                                          error="Service unavailable")
    batch_id = uuid.uuid4()
    soft_delete = SoftDelete.objects.create(
        agent=pending_agent, location=location, agent_name=pending_agent.name, remote_agent_id=pending_agent.hl_id,
        snapshot={"agent": {"name": pending_agent.name}, "actions": [], "previousMode": "auto-pilot"},
        reason="Duplicate", requested_by=requester, requested_by_label="requester", requested_at=timezone.now(),
        batch_id=batch_id,
    )
    event = AuditEvent.objects.create(verb=AuditEvent.Verb.UPDATED, actor_label="sync", object_type="agent",
                                      agent=agent, location=location)
    generation = Generation.objects.create(agent=agent, location=location, agent_name=agent.name,
                                           remote_agent_id=agent.hl_id, message_id="msg-1", source="conversation",
                                           payload={"responseMessage": "Hello"}, fetched_by_label="requester")
    window = RateLimitWindow.objects.create(key="location:loc-1")
    delivery = WebhookDelivery.objects.create(verdict=WebhookDelivery.Verdict.ACCEPTED, status_code=200,
                                              event_type="LocationUpdate", location_hl_id="loc-1",
                                              body='{"type": "LocationUpdate", "id": "loc-1"}')
    return {
        "location_id": location.pk, "agent_id": agent.pk, "template_id": template.pk, "action_id": action_template.pk,
        "rollout_id": rollout.pk, "request_id": soft_delete.pk, "batch_id": batch_id, "generation_id": generation.pk,
        "export_format": "csv", "delivery_id": delivery.pk,
        "models": {
            AgencyConnection: connection, Location: location, Agent: agent, Action: action, AgentTemplate: template,
            AgentTemplateVersion: version, Rollout: rollout, RolloutTarget: target, SoftDelete: soft_delete,
            AuditEvent: event, Generation: generation, RateLimitWindow: window,
        },
    }

