"""agents.forms.fields: the shared form fields and message helpers hold up against bad input."""
import re
import time

import pytest
from django import forms
from django.utils.html import escape
from hypothesis import given, settings, strategies as st

from agents.forms.fields import _FIELD_NAME, JSON_MAX_DEPTH, BoundedJSONField, humanize, parse_json

# humanize's word pattern before issue 13, the reference its replacement must agree with.
EARLIER_WORD = re.compile(r"\b(?:details\.|followupSettings\.)?[a-z]+[A-Za-z]*(?:\.\d+)?(?:\.[a-zA-Z]+)?\b")


def fastest(function, argument, rounds=3):
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        function(argument)
        best = min(best, time.perf_counter() - started)
    return best


def test_humanize_stays_linear_on_a_long_key_it_cannot_end():
    # A ratio within one run: a key of 200,000 letters and "_" against as long an ordinary message.
    size = 200_000
    ordinary = ("details.sleepTime should not be empty when details.reactivateEnabled is true " * (size // 70))[:size]
    long_key = "property details." + "a" * size + "_ should not exist"
    assert fastest(humanize, long_key) <= 20 * fastest(humanize, ordinary)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["details.", "followupSettings.", "sleepTime", "a", "Z", "_", ".", "0", " ", ": ",
                                 "property ", "must"]), max_size=12).map("".join))
def test_humanize_words_match_the_earlier_pattern(message):
    head = message.partition(": ")[0]
    assert [m.span() for m in _FIELD_NAME.finditer(head)] == [m.span() for m in EARLIER_WORD.finditer(head)]
    humanize(message)


# --- BoundedJSONField: typed JSON within limits, every refusal a field error ---------------------

def refusal(text, **limits):
    with pytest.raises(forms.ValidationError) as caught:
        parse_json(text, **limits)
    return " ".join(caught.value.messages)


def test_ordinary_json_parses_as_json_loads_would():
    text = '{"a": [1, 2.5, -3, true, null, "x\\u00e9"], "b": {"c": "[[[not nesting]]]"}}'
    assert parse_json(text) == {"a": [1, 2.5, -3, True, None, "x\u00e9"], "b": {"c": "[[[not nesting]]]"}}


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000, "[" * 100_000])
def test_nesting_thousands_deep_is_refused_without_recursing(text):
    assert "levels deep" in refusal(text, max_length=10**6)


def test_nesting_up_to_the_limit_is_allowed_and_one_more_is_not():
    assert parse_json("[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH) is not None
    assert "levels deep" in refusal("[" * (JSON_MAX_DEPTH + 1) + "]" * (JSON_MAX_DEPTH + 1))
    assert parse_json('["' + "[" * 500 + '"]') == ["[" * 500]  # brackets inside a string are text
    assert parse_json('["\\"", "[[[["]') == ['"', "[[[["]  # an escaped quote does not end the string


@pytest.mark.parametrize("text", ['{"a": ' + "1" * 5000 + "}", "-" + "9" * 16, "1" * 4301])
def test_integers_of_many_digits_are_refused_in_words(text):
    assert "at most 15 digits" in refusal(text)


@pytest.mark.parametrize("text", ["NaN", '{"sleepTime": Infinity}', "[-Infinity]"])
def test_nan_and_infinity_are_not_json(text):
    assert "is not a JSON number" in refusal(text)


@pytest.mark.parametrize("text", ["1e400", "[-1e999]", "1" * 400 + ".0"])
def test_floats_past_the_finite_range_are_refused(text):
    assert "too large a number" in refusal(text)


@pytest.mark.parametrize("text, words", [
    ('{"a": "x\\u0000y"}', "NUL"), ('{"a\\u0000": 1}', "NUL"),
    ('["\\ud800"]', "surrogate"), ('{"\\udfff": 1}', "surrogate"),
    ('["' + "x" * 20_001 + '"]', "longer than 20,000"),
])
def test_texts_that_cannot_be_stored_or_sent_are_refused(text, words):
    assert words in refusal(text)


def test_too_long_and_malformed_json_say_so():
    assert "At most 100,000 characters" in refusal("[" + "1," * 60_000 + "1]")
    assert "line 2, column 1" in refusal('{"a": 1,\n}')


def test_the_field_shows_refused_input_back_as_typed():
    class Form(forms.Form):
        details = BoundedJSONField()

    for text in ["[" * 3000, '{"a": NaN}', '["\\ud800"]', "1" * 5000]:
        form = Form(data={"details": text})
        assert not form.is_valid() and form.errors["details"]
        assert escape(text) in str(form["details"])  # renders (no RecursionError, no unencodable text)
