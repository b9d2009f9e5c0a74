"""A realistic, reproducible world: one agency, N sub-accounts, their agents and actions.

Every location gets 1-3 agents and, spread across them, one action of each of the 7 types,
so any feature can be tried against any location. Everything seeded is valid per schema.py.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from .. import schema

BRANDS = ("Acme", "Bright", "Summit", "Pioneer", "Evergreen", "Blue Sky", "Lakeside", "Northstar",
          "Keystone", "Harbor", "Redwood", "Silverline")
TRADES = ("Dental", "Roofing", "Med Spa", "Law Group", "Auto Repair", "Fitness", "Realty", "HVAC",
          "Chiropractic", "Veterinary", "Plumbing", "Insurance")
CITIES = (
    ("Austin", "TX", "US", "America/Chicago", "78701"),
    ("Denver", "CO", "US", "America/Denver", "80202"),
    ("Phoenix", "AZ", "US", "America/Phoenix", "85004"),
    ("Seattle", "WA", "US", "America/Los_Angeles", "98101"),
    ("Miami", "FL", "US", "America/New_York", "33130"),
    ("Chicago", "IL", "US", "America/Chicago", "60601"),
    ("Boston", "MA", "US", "America/New_York", "02108"),
    ("Nashville", "TN", "US", "America/Chicago", "37203"),
    ("Portland", "OR", "US", "America/Los_Angeles", "97204"),
    ("Salt Lake City", "UT", "US", "America/Denver", "84101"),
    ("Toronto", "ON", "CA", "America/Toronto", "M5H 2N2"),
    ("Sydney", "NSW", "AU", "Australia/Sydney", "2000"),
)
STREETS = ("Main St", "Oak Ave", "Congress Ave", "Market St", "5th Ave", "Elm St", "Harbor Blvd")
AGENT_ROLES = (
    ("Front Desk Assistant", "Warm, concise and professional", "Answer questions and book appointments."),
    ("After-Hours Concierge", "Calm and reassuring", "Capture leads that arrive after business hours."),
    ("Lead Qualifier", "Curious and upbeat", "Qualify new leads and hand hot ones to the team."),
    ("Reactivation Assistant", "Friendly and patient", "Re-engage past customers who went quiet."),
    ("Support Agent", "Empathetic and precise", "Resolve common support questions quickly."),
)
SEED_EPOCH = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def populate(state, rng: random.Random, location_count: int) -> None:
    _seed_agency(state, rng)
    names = _location_names(rng, location_count)
    for index, name in enumerate(names):
        location = _seed_location(state, rng, name, index)
        roles = rng.sample(AGENT_ROLES, rng.randint(1, 3))
        agents = [_seed_agent(state, rng, location, role, position) for position, role in enumerate(roles)]
        _seed_actions(state, rng, location, agents)
        _seed_generations(state, rng, location, agents)


def _seed_agency(state, rng: random.Random) -> None:
    app_id = "".join(rng.choice("0123456789abcdef") for _ in range(24))  # a Mongo ObjectId, as HighLevel's
    refresh_token = "sbx-refresh-" + state.new_id(40)
    state.agency = {
        "companyId": state.new_id(),
        "appId": app_id,
        # HighLevel client ids are "<appId>-<suffix>".
        "clientId": f"{app_id}-{''.join(rng.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(8))}",
        "clientSecret": "".join(rng.choice("0123456789abcdef") for _ in range(8)) + "-" + state.new_id(28),
        "refreshToken": refresh_token,
        "userId": state.new_id(),
        "name": "Sandbox Growth Agency",
    }
    state.refresh_tokens = {refresh_token: state.agency["companyId"]}


def _location_names(rng: random.Random, count: int) -> list[tuple[str, tuple]]:
    combos = [(brand, trade, city) for brand in BRANDS for trade in TRADES for city in CITIES]
    rng.shuffle(combos)
    return [(f"{brand} {trade} — {city[0]}", brand, trade, city) for brand, trade, city in combos[:count]]


def _seed_location(state, rng: random.Random, name_parts, index: int) -> dict:
    name, brand, trade, (city, region, country, tz, postal) = name_parts
    slug = f"{brand}{trade}".lower().replace(" ", "")
    location_id = state.new_id()
    address = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
    location = {
        "id": location_id,
        "companyId": state.agency["companyId"],
        "name": name,
        "address": address,
        "city": city,
        "state": region,
        "country": country,
        "postalCode": postal,
        "website": f"https://www.{slug}-{city.lower().replace(' ', '')}.example.com",
        "timezone": tz,
        "email": f"hello@{slug}.example.com",
        "phone": f"+1512555{index:04d}",
        "installedAt": _iso(SEED_EPOCH + timedelta(days=index)),
    }
    state.locations[location_id] = location
    location["pitToken"] = state.issue_token(location_id)
    return location


def _seed_agent(state, rng: random.Random, location: dict, role: tuple, position: int) -> dict:
    role, personality, goal = role
    # Agents come after their location is installed, in order: the first one is the primary.
    created = _iso(SEED_EPOCH + timedelta(days=len(state.locations) + 7 * position, hours=rng.randint(0, 8)))
    sleep_unit = rng.choice(schema.SLEEP_TIME_UNITS)
    agent = {
        "id": state.new_id(),
        "sequence": state.next_sequence(),
        "locationId": location["id"],
        "name": f"{location['name'].split(' — ')[0]} {role}",
        "businessName": location["name"].split(" — ")[0],
        "mode": rng.choice(schema.MODES),
        "channels": sorted(rng.sample(schema.CHANNELS, rng.randint(1, 4))),
        "isPrimary": position == 0,  # the first agent of a location is its primary
        "waitTime": rng.choice((2, 5, 30)),
        "waitTimeUnit": "seconds",
        "sleepEnabled": rng.random() < 0.5,
        "sleepTime": min(rng.choice((2, 12, 24, 48)), schema.SLEEP_TIME_MAX[sleep_unit]),
        "sleepTimeUnit": sleep_unit,
        "personality": personality,
        "goal": goal,
        "instructions": f"You work for {location['name']} in {location['city']}. Keep answers under three "
                        f"sentences, never quote prices, and offer to book a visit.",
        "autoPilotMaxMessages": rng.choice((25, 50, 75)),
        "knowledgeBaseIds": [state.new_id() for _ in range(rng.randint(0, 2))],
        "respondToImages": rng.random() < 0.5,
        "respondToAudio": rng.random() < 0.3,
        "sleepOnManualMessage": rng.random() < 0.7,
        "sleepOnWorkflowMessage": rng.random() < 0.2,
        "createdAt": created,
        "updatedAt": created,
    }
    state.agents[agent["id"]] = agent
    return agent


def _seed_actions(state, rng: random.Random, location: dict, agents: list[dict]) -> None:
    for index, action_type in enumerate(schema.ACTION_TYPES):
        agent = agents[index % len(agents)]
        others = [other["id"] for other in agents if other is not agent] or [state.new_id()]
        name, details = DETAIL_BUILDERS[action_type](state, rng, others)
        action_id = state.new_id()
        state.actions[action_id] = {
            "id": action_id, "name": name, "type": action_type, "agentId": agent["id"], "details": details,
        }
        if action_type == "advancedFollowup":
            state.followup_settings[agent["id"]] = details["followupSettings"]


def _trigger_workflow(state, rng, other_agents):
    return "Send to nurture workflow", {
        "workflowIds": [state.new_id()],
        "triggerCondition": "When the contact asks for a brochure or price list",
        "triggerMessage": "Sure, I'm sending that over now.",
    }


def _update_contact_field(state, rng, other_agents):
    return "Capture email", {
        "contactFieldId": "email",
        "description": "The contact's email address, when they share it",
        "contactUpdateExamples": ["my email is jane@example.com", "you can reach me at bob@example.org"],
    }


def _appointment_booking(state, rng, other_agents):
    return "Book a visit", {
        "calendarId": state.new_id(),
        "onlySendLink": False,
        "triggerWorkflow": True,
        "workflowIds": [state.new_id()],
        "sleepAfterBooking": True,
        "sleepTime": rng.choice((2, 12, 24)),
        "sleepTimeUnit": "hours",
        "transferBot": False,
        "rescheduleEnabled": True,
        "cancelEnabled": rng.random() < 0.5,
    }


def _stop_bot(state, rng, other_agents):
    return "Stop on goodbye", {
        "stopBotDetectionType": "Goodbye",
        "stopBotTriggerCondition": "When the contact says goodbye or that they need nothing else",
        "reactivateEnabled": True,
        "sleepTime": 24,
        "sleepTimeUnit": "hours",
        "enabled": True,
        "stopBotExamples": ["bye", "thanks, that's all", "no more questions"],
        "finalMessage": "Thanks for reaching out. Have a great day!",
        "tags": ["ai-stopped"],
    }


def _human_hand_over(state, rng, other_agents):
    return "Hand over to a human", {
        "enabled": True,
        "triggerCondition": "When the contact asks for a person or is upset",
        "examples": ["can I talk to a human", "I want to speak to someone"],
        "handoverType": "contactRequest",
        "skipAssignToUser": True,
        "createTask": True,
        "reactivateEnabled": False,
        "finalMessage": "I'm bringing in a member of our team, they'll be with you shortly.",
        "tags": ["needs-human"],
    }


def _advanced_followup(state, rng, other_agents):
    return "Follow up when quiet", {
        "enabled": True,
        "scenarioId": "contactStoppedReplying",
        "followupSequence": [
            {"id": 1, "followupTime": 30, "followupTimeUnit": "minutes", "aiEnabledMessage": True},
            {"id": 2, "followupTime": 1, "followupTimeUnit": "days", "aiEnabledMessage": False,
             "customMessage": "Just checking in: is there anything else I can help with?"},
        ],
        "followupSettings": {
            "dynamicChannelSwitching": True,
            "followUpHours": True,
            "timezoneToUse": "business",
            "workingHours": [
                {"dayOfTheWeek": day, "intervals": [{"startHour": 9, "startMinute": 0, "endHour": 17, "endMinute": 30}]}
                for day in range(1, 6)
            ],
        },
    }


def _transfer_bot(state, rng, other_agents):
    return "Transfer to sales", {
        "transferBotType": "Custom",
        "transferToBot": other_agents[0],
        "enabled": True,
        "transferBotTriggerCondition": "When the contact asks about pricing or packages",
        "transferBotExamples": ["how much is it", "what packages do you have"],
    }


DETAIL_BUILDERS = {
    "triggerWorkflow": _trigger_workflow,
    "updateContactField": _update_contact_field,
    "appointmentBooking": _appointment_booking,
    "stopBot": _stop_bot,
    "humanHandOver": _human_hand_over,
    "advancedFollowup": _advanced_followup,
    "transferBot": _transfer_bot,
}

QUESTIONS = (
    ("Do you have any openings this Saturday?", "We do! I can book you at 10am or 1pm on Saturday. Which works?"),
    ("What are your hours?", "We're open Monday to Friday, 9am to 5:30pm. Would you like to book a time?"),
    ("Can someone call me back?", "Of course. I've let the team know and someone will call you today."),
)


def _seed_generations(state, rng: random.Random, location: dict, agents: list[dict]) -> None:
    for index, (question, answer) in enumerate(QUESTIONS):
        agent = agents[index % len(agents)]
        message_id = state.new_id()
        state.generations[message_id] = {
            "locationId": location["id"],
            "source": "conversation" if index % 2 == 0 else "workflow",
            "details": {
                "prompt": f"Personality:\n{agent['personality']}\n\nIntent:\n{agent['goal']}\n\n"
                          f"Additional Information:\n{agent['instructions']}",
                "intent": agent["goal"],
                "responseMessage": answer,
                "faqs": [{"id": state.new_id(), "title": "Opening hours",
                          "content": "Open Monday to Friday, 9am to 5:30pm."}],
                "website": [{"id": state.new_id(), "url": location["website"] + "/contact",
                             "content": f"Visit us at {location['address']}, {location['city']}."}],
                "agentId": agent["id"],
                "input": question,
                "actionLogs": [],
                "history": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
                "mode": agent["mode"],
            },
        }
