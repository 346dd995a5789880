"""Training pairs that are all identical (chosen == rejected) are refused for an algorithm that
compares the two, naming the source and the field; one differing pair, or SFT, is let through."""

from __future__ import annotations

import pytest

from alignzoo.data.identical_pairs import refuse_when_no_pair_teaches
from alignzoo.data.records import PreferencePair
from alignzoo.errors import DataFormatError
from alignzoo.registry import installed_plugins

SAME = [PreferencePair("Q1", " yes", " yes"), PreferencePair("Q2", " up", " up")]


def test_all_identical_pairs_are_refused_naming_the_file_field_and_algorithm() -> None:
    with pytest.raises(DataFormatError) as caught:
        refuse_when_no_pair_teaches(SAME, "pairs.jsonl", "dpo")
    message = str(caught.value)
    assert message.startswith("pairs.jsonl, field 'rejected': every one of the 2 training pairs")
    assert "algorithm=dpo" in message and "\n" not in message


def test_one_pair_that_differs_is_enough() -> None:
    refuse_when_no_pair_teaches([*SAME, PreferencePair("Q3", " a", " b")], "pairs.jsonl", "dpo")
    refuse_when_no_pair_teaches([], "pairs.jsonl", "dpo")


def test_every_pairs_algorithm_but_sft_compares_the_two_completions() -> None:
    registry = installed_plugins().registry
    comparing = {
        name: registry.get("algorithm", name).traits.compares_pairs
        for name in registry.names("algorithm")
        if registry.get("algorithm", name).traits.consumes == "pairs"
    }
    assert comparing.pop("sft") is False
    assert comparing and all(comparing.values()), comparing
