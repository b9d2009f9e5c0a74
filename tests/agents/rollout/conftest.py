"""A template with 5 actions and follow-up settings, locations with its variables, tasks run inline."""
import pytest

from agents.models import ActionTemplate, AgentTemplate

FIVE_ACTIONS = [
    ("triggerWorkflow", "Send to nurture", {
        "workflowIds": ["{{ vars.workflow_id }}"], "triggerCondition": "The contact asks for a brochure",
    }),
    ("updateContactField", "Save the budget", {
        "contactFieldId": "budget", "description": "The budget the contact mentions",
    }),
    ("appointmentBooking", "Book a visit", {
        "calendarId": "{{ vars.calendar_id }}", "onlySendLink": True, "triggerWorkflow": False,
        "sleepAfterBooking": False, "transferBot": False, "rescheduleEnabled": False, "cancelEnabled": False,
    }),
    ("stopBot", "Stop on goodbye", {
        "stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "The contact says goodbye",
        "reactivateEnabled": False, "enabled": True, "stopBotExamples": ["bye", "thanks, that's all"],
        "finalMessage": "Thanks for contacting {{ location.name }}!",
    }),
    ("advancedFollowup", "Follow up when quiet", {
        "enabled": True, "scenarioId": "contactStoppedReplying",
        "followupSequence": [{"id": 1, "followupTime": 2, "followupTimeUnit": "hours"}],
    }),
]
FOLLOWUP_SETTINGS = {"dynamicChannelSwitching": True, "followUpHours": False, "timezoneToUse": "contact"}


def make_template(name="Front desk (managed)", actions=FIVE_ACTIONS, **fields):
    values = dict(
        name=name, agent_name="{{ location.name }} Concierge", business_name="{{ location.name }}",
        mode="suggestive", channels=["SMS", "WebChat"], wait_time=30, wait_time_unit="seconds",
        personality="Warm and brief", goal="Book visits for {{ location.name }}",
        instructions="Always offer the calendar {{ vars.calendar_id }}.", auto_pilot_max_messages=40,
        followup_settings=FOLLOWUP_SETTINGS,
    )
    values.update(fields)
    template = AgentTemplate.objects.create(**values)
    for position, (kind, action_name, details) in enumerate(actions):
        ActionTemplate.objects.create(template=template, position=position, type=kind, name=action_name, details=details)
    return template


@pytest.fixture
def template(db):
    return make_template()


@pytest.fixture
def rollout_locations(sandbox_locations):
    for index, location in enumerate(sandbox_locations):
        location.variables = {"calendar_id": f"cal-{index}", "workflow_id": f"wf-{index}"}
        location.save(update_fields=["variables"])
    return sandbox_locations


@pytest.fixture
def tasks_inline(monkeypatch, settings):
    """django-q2 runs async_task inline; waits and backoffs are short (see drain_waiting_targets)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    settings.ROLLOUT_LOST_ANSWER_WAIT_SECONDS = 0.05
    settings.ROLLOUT_RETRY_AFTER_SECONDS = 0.05
    settings.ROLLOUT_QUEUED_GRACE_SECONDS = 0
    settings.ROLLOUT_PLAN_BACKOFF_SECONDS = 0.01
    settings.ROLLOUT_LOCK_WAIT_SECONDS = 10


def drain_waiting_targets(rounds: int = 20) -> int:
    """What the scheduled retries and the reaper do in a cluster, here and now: run every waiting
    target once its wait is over, until none waits. Returns the number of rounds it took."""
    import time

    from django.db.models import Max
    from django.utils import timezone

    from agents.models import RolloutTarget
    from agents.rollout.waiting import reap_stalled_targets

    for round_number in range(rounds):
        queued = RolloutTarget.objects.filter(status=RolloutTarget.Status.QUEUED)
        due = queued.aggregate(due=Max("started_at"))["due"]
        if due is None and not queued.exists():
            return round_number
        if due is not None and (due - timezone.now()).total_seconds() > 0:
            time.sleep((due - timezone.now()).total_seconds() + 0.01)
        reap_stalled_targets()
    return rounds
