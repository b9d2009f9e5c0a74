"""python manage.py rollout: plan, confirm, apply, follow; non-zero exit when a location failed."""
import pytest
from django.core.management import CommandError, call_command

from agents.models import Rollout
from tests.agents.rollout.conftest import make_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(sandbox_locations, hl_sandbox, settings):
    settings.ROLLOUT_LOOK_AGAIN_AFTER_SECONDS = 0.05
    for index, location in enumerate(sandbox_locations):
        location.variables = {"calendar_id": f"cal-{index}", "workflow_id": f"wf-{index}"}
        location.save(update_fields=["variables"])
    return make_template(), sandbox_locations


def ids(locations):
    return ",".join(loc.hl_id for loc in locations)


def test_plan_only_prints_the_plan_and_writes_nothing(setup, hl_sandbox, capsys):
    template, locations = setup
    call_command("rollout", template.name, locations=ids(locations[:2]), plan_only=True)
    out = capsys.readouterr().out
    assert "Create agent “" in out and "Attach action “Book a visit” (appointmentBooking)" in out
    assert "Summary: 2 to create, 0 to update, 0 unchanged, 0 cannot be planned" in out
    assert hl_sandbox.stats()["writes"] == 0
    assert Rollout.objects.get().status == Rollout.Status.CANCELLED


def test_yes_applies_and_a_second_run_writes_nothing(setup, hl_sandbox, capsys):
    template, locations = setup
    call_command("rollout", template.name, all=True, yes=True, inline=True, poll=0.05)
    out = capsys.readouterr().out
    assert "100% · 5 succeeded" in out and "finished: 5 succeeded; 35 writes" in out
    call_command("rollout", str(template.pk), all=True, yes=True, inline=True, poll=0.05)
    out = capsys.readouterr().out
    assert "Summary: 0 to create, 0 to update, 5 unchanged" in out and "; 0 writes" in out


def test_canary_then_the_rest(setup, hl_sandbox, capsys):
    template, locations = setup
    call_command("rollout", template.name, locations=ids(locations), canary=2, yes=True, inline=True, poll=0.05)
    out = capsys.readouterr().out
    assert "2 succeeded" in out and "finished: 5 succeeded" in out


def test_not_confirming_applies_nothing(setup, hl_sandbox, monkeypatch, capsys):
    template, locations = setup
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    call_command("rollout", template.name, locations=ids(locations[:1]), inline=True)
    assert "Not applied." in capsys.readouterr().out
    assert hl_sandbox.stats()["writes"] == 0


def test_a_location_that_cannot_be_planned_makes_the_exit_code_non_zero(setup, hl_sandbox, capsys):
    template, locations = setup
    locations[0].variables = {}
    locations[0].save()
    with pytest.raises(SystemExit) as exited:
        call_command("rollout", template.name, locations=ids(locations[:2]), yes=True, inline=True, poll=0.05)
    assert exited.value.code == 1
    assert "has no value in this location" in capsys.readouterr().out


def test_a_failed_location_makes_the_exit_code_non_zero(setup, hl_sandbox, capsys):
    template, locations = setup
    template.actions.filter(type="stopBot").update(details={"enabled": True})
    with pytest.raises(SystemExit) as exited:
        call_command("rollout", template.name, locations=ids(locations[:1]), yes=True, inline=True, poll=0.05)
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "FAILED " in out and "left: Attach action “Follow up when quiet”" in out


def test_unknown_template_or_location_is_a_clear_error(setup):
    template, _ = setup
    with pytest.raises(CommandError, match="No template named"):
        call_command("rollout", "nope", all=True)
    with pytest.raises(CommandError, match="Unknown locations: zz"):
        call_command("rollout", template.name, locations="zz")


def test_ids_of_unicode_digits_name_no_template_or_location(setup):
    with pytest.raises(CommandError, match="No template named '²'"):
        call_command("rollout", "²", "--locations", "1")
    with pytest.raises(CommandError, match="Unknown locations: ²"):
        call_command("rollout", setup[0].name, "--locations", "²")
