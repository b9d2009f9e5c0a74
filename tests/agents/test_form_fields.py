"""agents.forms.fields: the shared form fields and message helpers hold up against bad input."""
import re
import time

from hypothesis import given, settings, strategies as st

from agents.forms.fields import _FIELD_NAME, humanize

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
