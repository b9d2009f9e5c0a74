"""Valid payloads for every agent and action shape, for tests to start from and break one rule at a time."""
from __future__ import annotations

import copy


def valid_agent(**changes) -> dict:
    agent = {
        "name": "Front Desk Assistant",
        "businessName": "Acme Dental",
        "mode": "suggestive",
        "channels": ["SMS", "WebChat"],
        "waitTime": 30,
        "waitTimeUnit": "seconds",
        "sleepEnabled": True,
        "sleepTime": 24,
        "sleepTimeUnit": "hours",
        "personality": "Warm and concise",
        "goal": "Book cleanings and answer questions",
        "instructions": "Never quote prices.",
        "autoPilotMaxMessages": 50,
        "knowledgeBaseIds": ["kb1", "kb2"],
        "respondToImages": True,
        "respondToAudio": False,
        "sleepOnManualMessage": True,
        "sleepOnWorkflowMessage": False,
    }
    agent.update(changes)
    return agent


FOLLOWUP_SETTINGS = {
    "dynamicChannelSwitching": True,
    "followUpHours": True,
    "timezoneToUse": "contact",
    "workingHours": [{"dayOfTheWeek": 1, "intervals": [{"startHour": 9, "startMinute": 0, "endHour": 17, "endMinute": 0}]}],
}

ACTION_DETAILS = {
    "triggerWorkflow": {"workflowIds": ["wf1"], "triggerCondition": "When they ask for a brochure",
                        "triggerMessage": "Sending it now"},
    "updateContactField": {"contactFieldId": "email", "description": "Their email address",
                           "contactUpdateExamples": ["my email is a@b.c"]},
    "appointmentBooking": {"calendarId": "cal1", "onlySendLink": False, "triggerWorkflow": True,
                           "workflowIds": ["wf1"], "sleepAfterBooking": True, "sleepTime": 2, "sleepTimeUnit": "hours",
                           "transferBot": True, "transferAgent": "agent2", "rescheduleEnabled": True,
                           "cancelEnabled": False},
    "stopBot": {"stopBotDetectionType": "Custom", "stopBotTriggerCondition": "When they say goodbye",
                "reactivateEnabled": True, "sleepTime": 1, "sleepTimeUnit": "days", "enabled": True,
                "stopBotExamples": ["bye", "thanks, that's all"], "finalMessage": "Have a great day!", "tags": ["done"]},
    "humanHandOver": {"enabled": True, "triggerCondition": "When they ask for a person",
                      "examples": ["talk to a human"], "assignToUserId": "user1", "skipAssignToUser": False,
                      "createTask": True, "reactivateEnabled": True, "sleepTime": 30, "sleepTimeUnit": "minutes",
                      "finalMessage": "A teammate will be with you shortly.", "tags": ["human"],
                      "handoverType": "custom"},
    "advancedFollowup": {"enabled": True, "scenarioId": "contactIsBusy",
                         "followupSequence": [
                             {"id": 1, "followupTime": 60, "followupTimeUnit": "minutes"},
                             {"id": 2, "followupTime": 24, "followupTimeUnit": "hours", "aiEnabledMessage": False,
                              "customMessage": "Still there?", "triggerWorkflow": True, "workflowId": "wf1"},
                             {"id": 3, "followupTime": 180, "followupTimeUnit": "days"},
                         ],
                         "followupSettings": FOLLOWUP_SETTINGS},
    "transferBot": {"transferBotType": "Custom", "transferToBot": "agent2", "enabled": True,
                    "transferBotTriggerCondition": "When they ask about pricing",
                    "transferBotExamples": ["how much", "pricing please"]},
}


def valid_action(action_type: str = "triggerWorkflow", *, name: str | None = None, **detail_changes) -> dict:
    details = copy.deepcopy(ACTION_DETAILS[action_type])
    details.update(detail_changes)
    return {"type": action_type, "name": name or f"My {action_type}", "details": details}


def valid_followup_body(action_ids: list[str], **setting_changes) -> dict:
    settings = copy.deepcopy(FOLLOWUP_SETTINGS)
    settings.update(setting_changes)
    return {"actionIds": action_ids, "followupSettings": settings}
