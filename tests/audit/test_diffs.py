"""Before and after, as a manager reads them."""
from audit.diffs import describe_changes, line_diff


def test_short_values_read_before_arrow_after():
    [mode, wait, sleep] = describe_changes({"mode": ["off", "auto-pilot"], "wait_time": [2.0, 5], "sleepEnabled": [False, True]})

    assert (mode.label, mode.kind, mode.before, mode.after) == ("Mode", "inline", "off", "auto-pilot")
    assert (wait.label, wait.before, wait.after) == ("Wait time", "2", "5")
    assert (sleep.label, sleep.before, sleep.after) == ("Sleep enabled", "No", "Yes")


def test_nothing_before_reads_as_a_dash():
    [change] = describe_changes({"business_name": [None, "Acme Dental"]})
    assert (change.before, change.after) == ("—", "Acme Dental")


def test_flat_lists_say_what_was_added_and_removed():
    [channels] = describe_changes({"channels": [["SMS", "IG"], ["SMS", "WebChat"]]})

    assert channels.kind == "list"
    assert (channels.before, channels.after) == ("SMS, IG", "SMS, WebChat")
    assert (channels.added, channels.removed) == (["WebChat"], ["IG"])


def test_long_text_is_a_line_diff_with_folded_unchanged_lines():
    before = "\n".join(f"Rule {n}." for n in range(1, 21))
    after = before.replace("Rule 10.", "Rule 10, reworded.")
    [change] = describe_changes({"instructions": [before, after]})

    assert change.kind == "lines"
    kinds = [(line.kind, line.text) for line in change.lines]
    assert ("removed", "Rule 10.") in kinds and ("added", "Rule 10, reworded.") in kinds
    # Two lines of context either side, the rest folded.
    assert kinds[0] == ("skipped", "7 unchanged lines")
    assert kinds[1:3] == [("same", "Rule 8."), ("same", "Rule 9.")]
    assert kinds[-1] == ("skipped", "8 unchanged lines")
    assert len(change.lines) == 8


def test_a_single_long_line_is_diffed_by_lines_too():
    before, after = "x" * 120, "y" * 120
    [change] = describe_changes({"goal": [before, after]})
    assert [(line.kind, line.text) for line in change.lines] == [("removed", before), ("added", after)]


def test_nested_values_are_diffed_as_indented_json():
    before = {"dynamicChannelSwitching": False, "followUpHours": 24}
    after = {"dynamicChannelSwitching": True, "followUpHours": 24}
    [change] = describe_changes({"followup_settings": [before, after]})

    assert change.kind == "lines"
    changed = [(line.kind, line.text.strip()) for line in change.lines if line.kind != "same"]
    assert changed == [("removed", '"dynamicChannelSwitching": false,'), ("added", '"dynamicChannelSwitching": true,')]


def test_text_added_from_nothing_is_all_added():
    lines = line_diff("", "one\ntwo")
    assert [(line.kind, line.text) for line in lines] == [("added", "one"), ("added", "two")]


def test_odd_shapes_do_not_break_the_page():
    assert describe_changes(None) == []
    assert describe_changes(["not", "a", "dict"]) == []
    [change] = describe_changes({"note": "just a value"})
    assert (change.before, change.after) == ("—", "just a value")
