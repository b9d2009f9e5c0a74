"""The template editor pages: create, edit (each save a version), actions, versions, variables."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.models import ActionTemplate, Agent, AgentTemplate, Location

pytestmark = pytest.mark.django_db

TEMPLATE_POST = {
    "name": "Front desk", "agent_name": "{{ location.name }} assistant", "mode": "auto-pilot",
    "channels": ["SMS"], "wait_time": "2", "wait_time_unit": "seconds", "personality": "Warm",
    "goal": "Book visits", "instructions": "Be brief", "auto_pilot_max_messages": "75",
}


def make_template(name="Front desk", **fields):
    values = {"agent_name": "Assistant", "personality": "p", "goal": "g", "instructions": "i", **fields}
    return AgentTemplate.objects.create(name=name, **values)


@pytest.mark.parametrize("name, args", [
    ("template_list", []), ("template_create", []), ("template_detail", [1]), ("template_edit", [1]),
    ("template_versions", [1]), ("location_variables", [1]), ("template_action_add", [1]),
])
def test_pages_require_login(client, name, args):
    response = client.get(reverse(f"agents:{name}", args=args))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_create_template_saves_version_1(manager, manager_user):
    response = manager.post(reverse("agents:template_create"), TEMPLATE_POST)
    template = AgentTemplate.objects.get(name="Front desk")
    assert response.status_code == 302 and response.url == reverse("agents:template_detail", args=[template.pk])
    assert template.version == 1
    assert template.versions.get().created_by == manager_user
    page = manager.get(response.url)
    assert "version 1" in page.content.decode()


def test_bad_input_shows_field_errors_not_a_500(manager):
    response = manager.post(reverse("agents:template_create"), {**TEMPLATE_POST, "wait_time": "900", "mode": "turbo"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "mode" in form.errors
    assert not AgentTemplate.objects.exists()
    response = manager.post(reverse("agents:template_create"), {**TEMPLATE_POST, "wait_time": "900"})
    assert "must not be greater than 300" in response.context["form"].errors["wait_time"][0]


@pytest.mark.parametrize("field, value", [
    ("knowledge_base_ids", "kb1\x00kb2"),  # a NUL inside a JSON list: PostgreSQL's jsonb refused it (a 500)
    ("personality", "p" * 20_001), ("agent_name", "a" * 201), ("name", "n" * 201), ("description", "d" * 2001),
])
def test_oversized_or_unstorable_text_is_a_field_error_on_both_databases(manager, field, value):
    response = manager.post(reverse("agents:template_create"), {**TEMPLATE_POST, field: value})
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not AgentTemplate.objects.exists()


def test_each_save_bumps_the_version_and_keeps_the_earlier_one(manager):
    manager.post(reverse("agents:template_create"), TEMPLATE_POST)
    template = AgentTemplate.objects.get()
    manager.post(reverse("agents:template_edit", args=[template.pk]), {**TEMPLATE_POST, "goal": "Sell more"})
    template.refresh_from_db()
    assert template.version == 2
    assert list(template.versions.values_list("version", flat=True)) == [2, 1]

    response = manager.get(reverse("agents:template_versions", args=[template.pk]), {"a": 1, "b": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Book visits" in html and "Sell more" in html
    assert [row["label"] for row in response.context["rows"]] == ["goal"]


def test_follow_up_settings_saved_with_the_template(manager):
    manager.post(reverse("agents:template_create"), {
        **TEMPLATE_POST, "use_followup_settings": "on", "dynamic_channel_switching": "on", "hours_2": "09:00-17:00"})
    template = AgentTemplate.objects.get()
    assert template.followup_settings["workingHours"] == [
        {"dayOfTheWeek": 2, "intervals": [{"startHour": 9, "startMinute": 0, "endHour": 17, "endMinute": 0}]}]


def test_compare_unknown_version_is_404_and_unknown_template_is_404(manager):
    template = make_template()
    assert manager.get(reverse("agents:template_versions", args=[template.pk]), {"a": 7, "b": 9}).status_code == 404
    assert manager.get(reverse("agents:template_detail", args=[999])).status_code == 404
    assert manager.get(reverse("agents:template_versions", args=[template.pk]), {"a": "x"}).status_code == 404


def test_add_structured_action_bumps_version(manager):
    manager.post(reverse("agents:template_create"), TEMPLATE_POST)
    template = AgentTemplate.objects.get()
    url = reverse("agents:template_action_add", args=[template.pk])
    form_page = manager.get(url, {"type": "appointmentBooking"})
    assert "Calendar id" in form_page.content.decode()

    response = manager.post(url, {"type": "appointmentBooking", "name": "Book", "calendar_id": "{{ vars.calendar_id }}",
                                  "only_send_link": "on", "reschedule_enabled": "on"})
    assert response.status_code == 200
    assert "must be false" in response.context["form"].errors["reschedule_enabled"][0]

    response = manager.post(url, {"type": "appointmentBooking", "name": "Book", "calendar_id": "{{ vars.calendar_id }}"})
    assert response.status_code == 302
    action = template.actions.get()
    assert action.details["calendarId"] == "{{ vars.calendar_id }}"
    template.refresh_from_db()
    assert template.version == 2
    detail = manager.get(reverse("agents:template_detail", args=[template.pk])).content.decode()
    assert "vars.calendar_id" in detail


def test_unknown_action_type_is_refused_in_words(manager):
    template = make_template()
    response = manager.get(reverse("agents:template_action_add", args=[template.pk]), {"type": "launchRocket"})
    assert response.status_code == 400
    assert "not an action type" in response.content.decode()


def test_action_json_view_validates_and_saves(manager):
    template = make_template()
    action = ActionTemplate.objects.create(template=template, type="triggerWorkflow", name="WF",
                                           details={"workflowIds": ["w1"], "triggerCondition": "asked"})
    url = reverse("agents:template_action_json", args=[template.pk, action.pk])
    response = manager.post(url, {"type": "triggerWorkflow", "name": "WF", "details": '{"workflowIds": []}'})
    assert response.status_code == 200 and response.context["form"].errors["details"]
    response = manager.post(url, {"type": "triggerWorkflow", "name": "WF",
                                  "details": '{"workflowIds": ["w2"], "triggerCondition": "asked twice"}'})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.details["workflowIds"] == ["w2"]


@pytest.mark.parametrize("details, words", [
    ("[" * 5000 + "]" * 5000, "levels deep"),
    ('{"workflowIds": ["w1"], "triggerCondition": "asked", "n": ' + "1" * 5000 + "}", "at most 15 digits"),
    ('{"workflowIds": ["w1"], "triggerCondition": "asked", "triggerMessage": NaN}', "not a JSON number"),
    ('{"workflowIds": ["w1"], "triggerCondition": Infinity}', "not a JSON number"),
])
def test_action_json_view_refuses_json_it_cannot_store_with_a_field_error(manager, details, words):
    template = make_template()
    action = ActionTemplate.objects.create(template=template, type="triggerWorkflow", name="WF",
                                           details={"workflowIds": ["w1"], "triggerCondition": "asked"})
    url = reverse("agents:template_action_json", args=[template.pk, action.pk])
    response = manager.post(url, {"type": "triggerWorkflow", "name": "WF", "details": details})
    assert response.status_code == 200 and words in " ".join(response.context["form"].errors["details"])
    action.refresh_from_db()
    template.refresh_from_db()
    assert action.details == {"workflowIds": ["w1"], "triggerCondition": "asked"} and template.version == 1


def test_nan_is_refused_even_where_the_contract_takes_a_number(manager):
    # NaN compares false with every bound, so the contract's range check alone would let it through.
    template = make_template()
    action = ActionTemplate.objects.create(template=template, type="stopBot", name="Stop", details={})
    details = ('{"stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "bye", "reactivateEnabled": true, '
               '"enabled": true, "stopBotExamples": ["bye", "ciao"], "finalMessage": "Bye", "sleepTime": %s, '
               '"sleepTimeUnit": "hours"}')
    url = reverse("agents:template_action_json", args=[template.pk, action.pk])
    assert manager.post(url, {"type": "stopBot", "name": "Stop", "details": details % "NaN"}).status_code == 200
    action.refresh_from_db()
    assert action.details == {}
    assert manager.post(url, {"type": "stopBot", "name": "Stop", "details": details % "2"}).status_code == 302


def test_action_of_another_template_is_404(manager):
    template, other = make_template(), make_template("Other")
    action = ActionTemplate.objects.create(template=other, type="triggerWorkflow", name="WF", details={})
    assert manager.get(reverse("agents:template_action_edit", args=[template.pk, action.pk])).status_code == 404


def test_remove_action(manager):
    template = make_template()
    action = ActionTemplate.objects.create(template=template, type="triggerWorkflow", name="WF", details={})
    response = manager.post(reverse("agents:template_action_delete", args=[template.pk, action.pk]))
    assert response.status_code == 302 and not template.actions.exists()


def test_template_page_lists_drifted_agents(manager):
    template = make_template()
    location = Location.objects.create(name="Acme Dental", hl_id="loc-acme")
    Agent.objects.create(location=location, hl_id="a1", name="Acme assistant", template=template, template_version=1, drifted=True)
    Agent.objects.create(location=location, hl_id="a2", name="In line", template=template, template_version=1)
    response = manager.get(reverse("agents:template_detail", args=[template.pk]))
    html = response.content.decode()
    assert response.context["drifted_count"] == 1
    assert "Acme assistant" in html and "In line" not in html


def test_template_list_query_count_does_not_grow(manager, django_assert_max_num_queries):
    make_template("One")
    with CaptureQueriesContext(connection) as few:
        manager.get(reverse("agents:template_list"))
    for n in range(10):
        make_template(f"T{n}")
    with CaptureQueriesContext(connection) as many:
        response = manager.get(reverse("agents:template_list"))
    assert response.status_code == 200
    assert len(many) == len(few)


def test_location_variables_editor(manager):
    location = Location.objects.create(name="Acme", hl_id="loc-acme", variables={"calendar_id": "old"})
    template = make_template(instructions="Calendar {{ vars.calendar_id }}, workflow {{ vars.workflow_id }}")
    url = reverse("agents:location_variables", args=[location.pk])
    page = manager.get(url)
    assert page.status_code == 200 and "workflow_id" in page.context["missing"]
    response = manager.post(url, {"vars-TOTAL_FORMS": "2", "vars-INITIAL_FORMS": "1",
                                  "vars-0-name": "calendar_id", "vars-0-value": "cal-9",
                                  "vars-1-name": "workflow_id", "vars-1-value": "wf-1"})
    assert response.status_code == 302
    location.refresh_from_db()
    assert location.variables == {"calendar_id": "cal-9", "workflow_id": "wf-1"}
    assert template.pk
    bad = manager.post(url, {"vars-TOTAL_FORMS": "1", "vars-INITIAL_FORMS": "0", "vars-0-name": "bad name!", "vars-0-value": "x"})
    assert bad.status_code == 200
    assert manager.get(reverse("agents:location_variables", args=[999])).status_code == 404


@pytest.mark.parametrize("stored", [["calendar_id", "x"], "calendar_id=x", {"calendar_id": {"a": 1}}])
def test_variables_page_of_a_legacy_row_opens_says_why_and_saving_repairs_it(manager, stored):
    location = Location.objects.create(name="Acme", hl_id="loc-acme")
    Location.objects.filter(pk=location.pk).update(variables=stored)  # as saved before the admin checked
    make_template(instructions="Calendar {{ vars.calendar_id }}")
    url = reverse("agents:location_variables", args=[location.pk])
    page = manager.get(url)
    assert page.status_code == 200 and "not" in page.context["variables_problem"]
    assert page.context["variables_problem"] in page.content.decode() and page.context["missing"] == ["calendar_id"]
    saved = manager.post(url, {"vars-TOTAL_FORMS": "1", "vars-INITIAL_FORMS": "0", "vars-0-name": "calendar_id",
                               "vars-0-value": "cal-1"})
    assert saved.status_code == 302
    location.refresh_from_db()
    assert location.variables == {"calendar_id": "cal-1"}


@pytest.mark.parametrize("name", ["a__contains", "a__isnull", "calendar__id__in"])
def test_template_page_counts_missing_variables_whose_names_look_like_lookups(manager, name):
    Location.objects.create(name="Acme", hl_id="loc-acme", variables=["legacy"])
    Location.objects.create(name="Bright", hl_id="loc-bright", variables={name: "set"})
    template = make_template(instructions="{{ vars.%s }}" % name)
    response = manager.get(reverse("agents:template_detail", args=[template.pk]))
    assert response.status_code == 200 and response.context["locations_missing"] == 1
