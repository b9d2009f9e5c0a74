"""Before and after of an audit event, shaped for reading.

An event's `changes` is `{field: [before, after]}`. A manager reads it as:
- short values inline: `wait time: 2 → 5`;
- flat lists as what was added and what was removed (channels: + SMS, − IG);
- long text (instructions, a prompt) and nested values (follow-up settings, action details,
  shown as indented JSON) as a line diff, with unchanged lines around each change and the
  long unchanged stretches folded away.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from backoffice.display import as_json, display_value, field_label, is_nested

# Text longer than this, or on more than one line, is diffed line by line.
INLINE_MAX_CHARS = 80
# Unchanged lines shown around each change in a line diff.
CONTEXT_LINES = 2

@dataclass
class DiffLine:
    kind: str  # "same", "removed", "added", or "skipped" (a folded run of unchanged lines)
    text: str


@dataclass
class FieldChange:
    field: str
    label: str
    kind: str  # "inline", "list" or "lines"
    before: str = ""
    after: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    lines: list[DiffLine] = field(default_factory=list)


def describe_changes(changes) -> list[FieldChange]:
    """Every changed field of an event, in the order it was recorded.

    Tolerant of what older or hand-written events hold: a value that is not a
    `[before, after]` pair is shown as the value after, with nothing before.
    """
    if not isinstance(changes, dict):
        return []
    described = []
    for name, pair in changes.items():
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            before, after = pair
        else:
            before, after = None, pair
        described.append(describe_change(name, before, after))
    return described


def describe_change(name: str, before, after) -> FieldChange:
    change = FieldChange(field=str(name), label=field_label(name), kind="inline")
    if _is_flat_list(before) and _is_flat_list(after) and (before or after):
        return _list_change(change, before or [], after or [])
    if _needs_line_diff(before) or _needs_line_diff(after):
        change.kind = "lines"
        change.lines = line_diff(_as_text(before), _as_text(after))
        return change
    change.before, change.after = display_value(before), display_value(after)
    return change


def line_diff(before: str, after: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """A line diff of two texts: changed lines with `context` unchanged lines around them.

    Longer unchanged stretches become one "skipped" line saying how many lines were folded.
    """
    before_lines, after_lines = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=before_lines, b=after_lines, autojunk=False)
    result: list[DiffLine] = []
    opcodes = matcher.get_opcodes()
    for index, (tag, a_start, a_end, b_start, b_end) in enumerate(opcodes):
        if tag == "equal":
            result.extend(_context_of(before_lines[a_start:a_end], context,
                                      first=index == 0, last=index == len(opcodes) - 1))
            continue
        result.extend(DiffLine("removed", text) for text in before_lines[a_start:a_end])
        result.extend(DiffLine("added", text) for text in after_lines[b_start:b_end])
    return result


def _context_of(lines: list[str], context: int, *, first: bool, last: bool) -> list[DiffLine]:
    """An unchanged run: keep the lines next to a change, fold the middle."""
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    if len(lines) <= keep_head + keep_tail + 1:
        return [DiffLine("same", text) for text in lines]
    folded = len(lines) - keep_head - keep_tail
    shown = [DiffLine("same", text) for text in lines[:keep_head]]
    shown.append(DiffLine("skipped", f"{folded} unchanged line{'s' if folded != 1 else ''}"))
    shown.extend(DiffLine("same", text) for text in lines[len(lines) - keep_tail:])
    return shown


def _list_change(change: FieldChange, before: list, after: list) -> FieldChange:
    change.kind = "list"
    change.before, change.after = display_value(before), display_value(after)
    before_items = [display_value(item) for item in before]
    after_items = [display_value(item) for item in after]
    change.removed = [item for item in before_items if item not in after_items]
    change.added = [item for item in after_items if item not in before_items]
    return change


def _is_flat_list(value) -> bool:
    return value is None or (isinstance(value, (list, tuple)) and not is_nested(value))


def _needs_line_diff(value) -> bool:
    if isinstance(value, str):
        return "\n" in value or len(value) > INLINE_MAX_CHARS
    return is_nested(value) and bool(value)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        return as_json(value)
    return display_value(value)
