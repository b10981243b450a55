"""Patterns people write are refused when a repeated group can split its text many ways."""

from __future__ import annotations

import pytest

from dlpgate.backtracking import ambiguous_repetition
from dlpgate.config import Settings


@pytest.mark.parametrize("pattern", [
    r"(a+)+b",                     # the textbook case
    r"(\w+\s?)+$",                 # words with an optional space: each turn may end anywhere
    r"(.*,)*x",                    # anything then a comma, repeated
    r"(?:x|y+)*z",                 # a repetition in one alternative
    r"(\w+){2,50}$",               # repeated many times, not only unbounded
    r"(\w+\d)+x",                  # the digit that ends a turn is a word character too
    r"(?:[A-Z][a-z]+\s?)+Ltd",     # any case: [A-Z] takes what [a-z]+ takes
    r"((?:ab)+)+c",
    r"(?:(a+)+b)++",               # possessive outside, but the inside backtracks first
])
def test_a_repeated_group_whose_turns_can_end_in_many_places_is_refused(pattern):
    assert ambiguous_repetition(pattern)


@pytest.mark.parametrize("pattern", [
    r"\bMOS-\d{6}\b",              # the case references councils write
    r"\b9\d{7}\b",
    r"\bcase conference\b",
    r"(\d{1,3}\.){3}\d{1,3}",      # bounded: a few turns of a few characters
    r"(\w+){2,5}$",
    r"(?:\s*[A-Z]{2}\d+)+;",       # each turn must start with two letters \d+ cannot take
    r"([a-z]+\d)+;",               # each turn ends with a digit [a-z]+ cannot take
    r"(\w+ )+x",                   # each turn ends at a space
    r"(?>\w+\s?)+$",               # atomic: never gives back what it took
    r"(\w++\s?)+$",                # possessive inner repetition
    r"(\w+\s?)++$",                # possessive outer repetition
])
def test_patterns_whose_turns_can_end_only_one_way_are_accepted(pattern):
    assert not ambiguous_repetition(pattern)


def test_case_matters_where_the_pattern_is_compiled_as_written():
    pattern = r"(?:[A-Z][a-z]+\s?)+Ltd"   # each turn starts with a capital [a-z]+ cannot take
    assert not ambiguous_repetition(pattern, ignore_case=False)
    assert ambiguous_repetition("(?i)" + pattern, ignore_case=False)


def test_a_case_reference_that_could_stall_mail_stops_the_configuration_with_the_way_out():
    with pytest.raises(ValueError, match=r"could stall mail.*possessive"):
        Settings.model_validate({"detection": {"case_references": [
            {"name": "housing reference", "pattern": r"(\d+\s?)+/\d{2}"}]}})
    Settings.model_validate({"detection": {"case_references": [
        {"name": "Mosaic case ID", "pattern": r"\bMOS-\d{6}\b"}]}})
