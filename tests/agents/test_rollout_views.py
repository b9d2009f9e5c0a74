"""Rollout pages against the sandbox: targets → plan (nothing written) → confirm → progress → retry."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.models import Agent, Rollout, RolloutTarget
from tests.agents.rollout.conftest import make_template

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tasks_inline(monkeypatch, settings, django_capture_on_commit_callbacks):
    """django-q2 runs each task inline, when the view's transaction commits."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    settings.ROLLOUT_LOOK_AGAIN_AFTER_SECONDS = 0.05
    settings.ROLLOUT_LOCK_WAIT_SECONDS = 10

    def run(callable_, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return callable_(*args, **kwargs)
    return run


@pytest.fixture
def locations(sandbox_locations):
    for index, location in enumerate(sandbox_locations):
        location.variables = {"calendar_id": f"cal-{index}", "workflow_id": f"wf-{index}"}
        location.save(update_fields=["variables"])
    return sandbox_locations


def start(manager, run, template, locations, **extra):
    data = {"scope": "selected", "strategy": "all", "locations": [loc.pk for loc in locations], **extra}
    response = run(manager.post, reverse("agents:template_rollout", args=[template.pk]), data)
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    return Rollout.objects.get(pk=int(response.url.rstrip("/").split("/")[-2]))


def test_start_page_lists_locations_to_choose(manager, locations):
    template = make_template()
    response = manager.get(reverse("agents:template_rollout", args=[template.pk]), {"q": locations[0].name})
    assert response.status_code == 200
    assert locations[0].name in response.content.decode()
    assert response.context["page"].paginator.count >= 1


def test_plan_shows_each_location_and_writes_nothing(manager, locations, hl_sandbox, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:2])
    response = manager.get(reverse("agents:rollout_plan", args=[rollout.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["progress"]["outcomes"]["create"] + response.context["progress"]["outcomes"]["adopt"] == 2
    assert "Create agent" in html or "Adopt" in html
    assert "Attach action" in html or "Update action" in html
    assert 'id="confirm-rollout"' in html
    assert 'hx-trigger="every 1s"' not in html  # planning is over: the page stops polling
    assert hl_sandbox.stats()["writes"] == 0


def test_confirm_applies_and_progress_reaches_100_percent(manager, locations, hl_sandbox, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:2])
    response = tasks_inline(manager.post, reverse("agents:rollout_confirm", args=[rollout.pk]))
    assert response.url == reverse("agents:rollout_detail", args=[rollout.pk])
    page = manager.get(response.url)
    html = page.content.decode()
    assert page.context["progress"]["percent"] == 100
    assert "100%" in html and "Duration" in html
    assert 'hx-trigger="every 1s"' not in html
    assert hl_sandbox.stats()["writes"] > 0
    assert Agent.objects.filter(template=template).count() == 2


def test_progress_partial_polls_while_running(manager, locations, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:1])
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.RUNNING)
    response = manager.get(reverse("agents:rollout_detail", args=[rollout.pk]), **HTMX)
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and "<html" not in html


def test_plan_partial_polls_while_planning(manager, locations, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:1])
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.PLANNING)
    RolloutTarget.objects.filter(rollout=rollout).update(status=RolloutTarget.Status.PLANNING)
    response = manager.get(reverse("agents:rollout_plan", args=[rollout.pk]), **HTMX)
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and "Confirm" not in html


def test_missing_variable_cannot_be_planned_and_says_why(manager, locations, tasks_inline):
    template = make_template()
    locations[0].variables = {}
    locations[0].save(update_fields=["variables"])
    rollout = start(manager, tasks_inline, template, locations[:2])
    response = manager.get(reverse("agents:rollout_plan", args=[rollout.pk]))
    assert response.context["progress"]["outcomes"]["unplannable"] == 1
    assert "has no value in this location" in response.content.decode()


def test_canary_pauses_then_continues(manager, locations, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:3], strategy="canary", canary_size="1")
    tasks_inline(manager.post, reverse("agents:rollout_confirm", args=[rollout.pk]))
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.PAUSED
    page = manager.get(reverse("agents:rollout_detail", args=[rollout.pk])).content.decode()
    assert "Continue with the other 2 locations" in page
    tasks_inline(manager.post, reverse("agents:rollout_continue", args=[rollout.pk]))
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.FINISHED


def test_canary_abort_skips_the_rest(manager, locations, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:3], strategy="canary", canary_size="1")
    tasks_inline(manager.post, reverse("agents:rollout_confirm", args=[rollout.pk]))
    manager.post(reverse("agents:rollout_cancel", args=[rollout.pk]))
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.CANCELLED
    assert rollout.targets.filter(status=RolloutTarget.Status.SKIPPED).count() == 2


def test_retry_one_failed_target(manager, locations, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:2])
    tasks_inline(manager.post, reverse("agents:rollout_confirm", args=[rollout.pk]))
    target = rollout.targets.first()
    RolloutTarget.objects.filter(pk=target.pk).update(status=RolloutTarget.Status.FAILED, error="HighLevel said no")
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.FAILED)
    page = manager.get(reverse("agents:rollout_detail", args=[rollout.pk])).content.decode()
    assert "HighLevel said no" in page and "Retry the failed location" in page
    response = tasks_inline(manager.post, reverse("agents:rollout_retry", args=[rollout.pk]), {"target": target.pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status in (RolloutTarget.Status.SUCCEEDED, RolloutTarget.Status.UNCHANGED)


def test_wrong_moves_are_messages_not_500s(manager, locations, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:1])
    tasks_inline(manager.post, reverse("agents:rollout_confirm", args=[rollout.pk]))
    again = manager.post(reverse("agents:rollout_confirm", args=[rollout.pk]), follow=True)
    assert again.status_code == 200 and "Only a planned rollout can be confirmed" in again.content.decode()
    junk = manager.post(reverse("agents:rollout_retry", args=[rollout.pk]), {"target": "abc"}, follow=True)
    assert junk.status_code == 200
    assert manager.get(reverse("agents:rollout_detail", args=[9999])).status_code == 404
    assert manager.post(reverse("agents:rollout_cancel", args=[9999])).status_code == 404


def test_bulk_update_page_goes_through_plan_and_confirm(manager, locations, hl_sandbox, tasks_inline):
    from agents.sync import sync_location

    sync_location(locations[0])
    agent = Agent.objects.filter(location=locations[0]).first()
    assert agent is not None
    page = manager.get(reverse("agents:bulk_update"), {"location": locations[0].pk})
    assert agent.name in page.content.decode()
    # Filtering by the current mode and setting a new one do not get mixed up.
    filtered = manager.post(reverse("agents:bulk_update"), {"agent_mode": agent.mode, "change_mode": "on", "mode": "zzz"})
    assert agent.name in filtered.content.decode() and filtered.context["form"].errors["mode"]
    bad = manager.post(reverse("agents:bulk_update"), {"agents": [agent.pk], "change_wait_time": "on",
                                                      "wait_time": "9", "wait_time_unit": "minutes"})
    assert bad.status_code == 200 and bad.context["form"].errors["wait_time"]
    none = manager.post(reverse("agents:bulk_update"), {"change_mode": "on", "mode": "off"})
    assert none.status_code == 200 and none.context["agent_error"]

    response = tasks_inline(manager.post, reverse("agents:bulk_update"),
                            {"agents": [agent.pk], "change_auto_pilot_max_messages": "on", "auto_pilot_max_messages": "12"})
    assert response.status_code == 302
    rollout = Rollout.objects.get(kind=Rollout.Kind.BULK_UPDATE)
    plan = manager.get(response.url).content.decode()
    assert "autoPilotMaxMessages" in plan
    tasks_inline(manager.post, reverse("agents:rollout_confirm", args=[rollout.pk]))
    rollout.refresh_from_db()
    assert rollout.status == Rollout.Status.FINISHED, list(rollout.targets.values("status", "error"))
    assert hl_sandbox.state.agents[agent.hl_id]["autoPilotMaxMessages"] == 12


def test_bulk_update_lists_agents_a_page_at_a_time_with_the_filters_kept(manager, locations):
    Agent.objects.bulk_create([Agent(location=locations[0], hl_id=f"many-{n}", name=f"Front desk {n:03}", mode="off")
                               for n in range(60)])
    page = manager.get(reverse("agents:bulk_update"), {"q": "Front desk", "location": locations[0].name[:5]})
    text = page.content.decode()
    assert "60 matching, 1–50 shown" in text and "Front desk 049" in text and "Front desk 050" not in text
    assert "q=Front+desk&amp;location=" in text and "page=2" in text  # the next page keeps the filters
    second = manager.get(reverse("agents:bulk_update"), {"q": "Front desk", "location": locations[0].name[:5], "page": "2"})
    assert "51–60 shown" in second.content.decode() and "Front desk 059" in second.content.decode()


def test_list_and_progress_query_counts_do_not_grow(manager, locations, tasks_inline):
    template = make_template()
    rollout = start(manager, tasks_inline, template, locations[:1])
    with CaptureQueriesContext(connection) as one:
        manager.get(reverse("agents:rollout_list"))
    with CaptureQueriesContext(connection) as one_target:
        manager.get(reverse("agents:rollout_plan", args=[rollout.pk]))
    bigger = start(manager, tasks_inline, template, locations)
    for _ in range(3):
        start(manager, tasks_inline, template, locations[:2])
    with CaptureQueriesContext(connection) as many:
        manager.get(reverse("agents:rollout_list"))
    with CaptureQueriesContext(connection) as many_targets:
        manager.get(reverse("agents:rollout_plan", args=[bigger.pk]))
    assert len(many) == len(one)
    assert len(many_targets) == len(one_target)
