"""Enums and bounds of the Conversation AI contract (HIGHLEVEL_API.md and the OpenAPI documents)."""
MODES = ("off", "suggestive", "auto-pilot")
CHANNELS = ("IG", "FB", "SMS", "WebChat", "WhatsApp", "Live_Chat")
WAIT_TIME_UNITS = ("seconds", "minutes")
WAIT_TIME_MAX = {"seconds": 300, "minutes": 5}
DEFAULT_WAIT_TIME = 2
DEFAULT_WAIT_TIME_UNIT = "seconds"
SLEEP_TIME_UNITS = ("hours", "minutes", "seconds")
SLEEP_TIME_MAX = {"hours": 48, "minutes": 2880, "seconds": 172800}
AUTO_PILOT_MAX_MESSAGES_MIN = 1
AUTO_PILOT_MAX_MESSAGES_MAX = 100
DEFAULT_AUTO_PILOT_MAX_MESSAGES = 75

AGENT_TEXT_FIELDS = ("name", "businessName", "personality", "goal", "instructions")
AGENT_CREATE_REQUIRED = ("name", "personality", "goal", "instructions")
AGENT_BOOLEAN_FIELDS = (
    "isPrimary", "sleepEnabled", "respondToImages", "respondToAudio",
    "sleepOnManualMessage", "sleepOnWorkflowMessage",
)
# Accepted by create and update but absent from the documented answer (EmployeeResponseDTO):
# they can be written, never read back. The engine compares them with what it last wrote and
# never reports them as drift (tests/agents/highlevel/test_schema.py derives them from the document).
AGENT_WRITE_ONLY_FIELDS = ("respondToImages", "respondToAudio")
AGENT_FIELDS = frozenset((
    *AGENT_TEXT_FIELDS, *AGENT_BOOLEAN_FIELDS, "mode", "channels", "waitTime", "waitTimeUnit",
    "sleepTime", "sleepTimeUnit", "autoPilotMaxMessages", "knowledgeBaseIds",
))

ACTION_TYPES = (
    "triggerWorkflow", "updateContactField", "appointmentBooking", "stopBot",
    "humanHandOver", "advancedFollowup", "transferBot",
)
ACTION_FIELDS = frozenset(("type", "name", "details"))
# Sleep after an action (booking, stop, hand-over) is counted in these units.
ACTION_SLEEP_TIME_UNITS = ("days", "hours", "minutes")
STOP_BOT_DETECTION_TYPES = ("Goodbye", "Custom")
STOP_BOT_MIN_EXAMPLES = 2
HANDOVER_TYPES = ("contactRequest", "lackOfInformation", "failedToResolveIssue", "custom")
HANDOVER_TYPES_NEEDING_EXAMPLES = ("custom", "contactRequest")
FOLLOWUP_SCENARIOS = ("contactStoppedReplying", "contactIsBusy", "contactRequested")
FOLLOWUP_TIME_UNITS = ("minutes", "hours", "days")
FOLLOWUP_TIME_MAX = {"minutes": 60, "hours": 24, "days": 180}
TRANSFER_BOT_TYPES = ("Default", "Custom")
TRANSFER_BOT_MIN_EXAMPLES = 2
APPOINTMENT_FLAGS = ("triggerWorkflow", "sleepAfterBooking", "transferBot", "rescheduleEnabled", "cancelEnabled")
TIMEZONES_TO_USE = ("contact", "business")

# The properties each action type's `details` may carry: the OpenAPI document's, plus
# `description`, which updateContactFieldDto requires without declaring it.
ACTION_DETAIL_FIELDS = {
    "triggerWorkflow": frozenset(("workflowIds", "triggerCondition", "triggerMessage")),
    "updateContactField": frozenset(("contactFieldId", "description", "contactUpdateExamples")),
    "appointmentBooking": frozenset((
        "actionId", "calendarId", "onlySendLink", "triggerWorkflow", "workflowIds", "sleepAfterBooking",
        "sleepTime", "sleepTimeUnit", "transferBot", "transferAgent", "rescheduleEnabled", "cancelEnabled",
    )),
    "stopBot": frozenset((
        "stopBotDetectionType", "stopBotTriggerCondition", "reactivateEnabled", "sleepTime",
        "sleepTimeUnit", "enabled", "stopBotExamples", "finalMessage", "tags",
    )),
    "humanHandOver": frozenset((
        "enabled", "triggerCondition", "examples", "assignToUserId", "skipAssignToUser", "createTask",
        "reactivateEnabled", "sleepTime", "sleepTimeUnit", "finalMessage", "tags", "handoverType",
    )),
    "advancedFollowup": frozenset(("enabled", "scenarioId", "followupSequence", "followupSettings")),
    "transferBot": frozenset((
        "transferBotType", "transferToBot", "enabled", "transferBotTriggerCondition", "transferBotExamples",
    )),
}
FOLLOWUP_STEP_FIELDS = frozenset((
    "id", "followupTimeUnit", "followupTime", "aiEnabledMessage", "triggerWorkflow",
    "customMessage", "workflowId", "contactRequested",
))
FOLLOWUP_SETTINGS_FIELDS = frozenset(("dynamicChannelSwitching", "followUpHours", "workingHours", "timezoneToUse"))
FOLLOWUP_SETTINGS_BODY_FIELDS = frozenset(("actionIds", "followupSettings"))
WORKING_HOURS_FIELDS = frozenset(("dayOfTheWeek", "intervals"))
INTERVAL_FIELDS = frozenset(("startHour", "startMinute", "endHour", "endMinute"))
