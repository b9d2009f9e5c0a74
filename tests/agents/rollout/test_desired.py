"""agents.rollout.desired: what a template renders to for one location, checked before any write."""
import pytest

from agents.models import Agent, RolloutTarget
from agents.rollout import services
from agents.rollout.desired import TooLongWhenRendered, desired_for_location
from agents.rollout.versions import current_version

pytestmark = pytest.mark.django_db(transaction=True)
LONG_NAME = "N" * 200  # a location name as long as its column allows


@pytest.mark.parametrize("field, value, words", [
    ("agent_name", "{{ location.name }} " * 10, "The agent's name is"),
    ("business_name", "{{ location.name }}{{ location.name }}", "The agent's businessName is"),
])
def test_a_text_rendering_past_the_mirrors_column_is_refused_in_words(template, rollout_locations, field, value, words):
    location = rollout_locations[0]
    location.name = LONG_NAME
    setattr(template, field, value)
    template.save()
    with pytest.raises(TooLongWhenRendered) as caught:
        desired_for_location(current_version(template).snapshot, location, template_id=template.pk)
    assert words in str(caught.value) and "at most 300" in str(caught.value)


def test_an_action_name_rendering_too_long_is_refused(template, rollout_locations):
    location = rollout_locations[0]
    location.name = LONG_NAME
    template.actions.filter(position=0).update(name="{{ location.name }}{{ location.name }}")
    with pytest.raises(TooLongWhenRendered) as caught:
        desired_for_location(current_version(template).snapshot, location, template_id=template.pk)
    assert "The name of action 1 is 400 characters" in str(caught.value)


def test_such_a_target_is_unplannable_and_nothing_is_written(template, rollout_locations, tasks_inline, hl_sandbox,
                                                          manager_user):
    # Before: HighLevel took the agent and its actions, then the mirror's INSERT overflowed (PostgreSQL).
    long_one = rollout_locations[0]
    long_one.name = LONG_NAME
    long_one.save()
    template.agent_name = "{{ location.name }} " * 10
    template.save()
    rollout = services.create_rollout(template, rollout_locations[:1], user=manager_user, plan_inline=True)
    target = rollout.targets.get()
    assert target.status == RolloutTarget.Status.UNPLANNABLE and "once rendered for this location" in target.error
    services.confirm_rollout(rollout, user=manager_user)
    assert hl_sandbox.stats()["writes"] == 0 and not Agent.objects.exists()
