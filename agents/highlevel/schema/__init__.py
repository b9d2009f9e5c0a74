"""The enums, bounds and validation rules of HighLevel's Conversation AI contract.

One place for the rules of ../shared/HIGHLEVEL_API.md and the official OpenAPI documents, used by
the sandbox to answer 422 like the live service, and by the product's forms to refuse a template
before it is ever sent. Pure Python: no Django here.

Every validator returns a list of short, NestJS-like messages that name the field
("waitTime must not be greater than 300 when waitTimeUnit is seconds"); an empty list means valid.
Unknown fields are refused as "property X should not exist", as the live service's
whitelisting ValidationPipe does. A field sent as null is refused with its type's message
("mode must be one of the following values: ..."), except where the document's prose allows null.
"""
from .actions import validate_action, validate_action_details
from .agent import validate_agent
from .bounds import *  # noqa: F403 - the enums and bounds are part of this package's interface
from .followup import followup_settings_errors, validate_followup_settings
from .rules import is_number
