import pytest
from django.core.management import CommandError, call_command

from agents.models import Agent, Location


def test_sync_all_mirrors_every_location_and_prints_each_outcome(hl_sandbox, sandbox_locations, capsys):
    call_command("sync", all=True)
    out = capsys.readouterr().out
    assert out.count(": ok:") == len(sandbox_locations)
    assert Agent.objects.values("location").distinct().count() == len(sandbox_locations)


def test_sync_one_location_by_its_highlevel_id(hl_sandbox, sandbox_locations, capsys):
    target = sandbox_locations[2]
    call_command("sync", location=[target.hl_id])
    assert set(Agent.objects.values_list("location", flat=True)) == {target.pk}


def test_a_failed_location_makes_the_command_exit_non_zero(hl_sandbox, sandbox_locations):
    Location.objects.filter(pk=sandbox_locations[0].pk).update(pit="pit-not-valid")
    with pytest.raises(CommandError, match="1 location"):
        call_command("sync", location=[sandbox_locations[0].hl_id, sandbox_locations[1].hl_id])


@pytest.mark.django_db
def test_unknown_location_and_missing_arguments_are_clear_errors():
    with pytest.raises(CommandError, match="No location with id nope"):
        call_command("sync", location=["nope"])
    with pytest.raises(CommandError, match="--all"):
        call_command("sync")


@pytest.mark.django_db
def test_an_id_of_unicode_digits_is_an_unknown_location_not_a_traceback():
    with pytest.raises(CommandError, match="No location with id ²"):
        call_command("sync", "--location", "²")
