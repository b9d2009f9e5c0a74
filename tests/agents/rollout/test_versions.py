from agents.models import ActionTemplate
from agents.rollout.versions import compare_versions, current_version, save_new_version, snapshot


def test_saving_freezes_the_template_and_bumps_the_version(template, manager_user):
    first = save_new_version(template, user=manager_user)
    assert first.version == 1 and template.version == 1
    assert first.snapshot["agent"]["agent_name"] == "{{ location.name }} Concierge"
    assert [a["type"] for a in first.snapshot["actions"]][:2] == ["triggerWorkflow", "updateContactField"]

    template.mode = "auto-pilot"
    template.save()
    ActionTemplate.objects.filter(template=template, type="stopBot").delete()
    second = save_new_version(template, user=manager_user)
    assert second.version == 2
    template.refresh_from_db()
    assert template.version == 2
    first.refresh_from_db()
    assert first.snapshot["agent"]["mode"] == "suggestive"  # the earlier version is kept as it was


def test_saving_unchanged_content_keeps_one_version(template):
    save_new_version(template)
    again = save_new_version(template)
    assert again.version == 1
    assert template.versions.count() == 1


def test_current_version_freezes_a_never_saved_template(template):
    version = current_version(template)
    assert version.version == 1
    assert version.snapshot == {**snapshot(template), "version": 1}


def test_compare_versions_marks_changed_rows(template):
    v1 = save_new_version(template)
    template.wait_time = 60
    template.save()
    ActionTemplate.objects.create(template=template, position=9, type="transferBot", name="To sales",
                                  details={"transferBotType": "Default", "transferToBot": "x", "enabled": True})
    v2 = save_new_version(template)
    changed = {row["label"]: row for row in compare_versions(v1, v2) if row["changed"]}
    assert changed["waitTime"]["before"] == 30 and changed["waitTime"]["after"] == 60
    assert changed["To sales (transferBot)"]["before"] is None
    assert "mode" not in changed
