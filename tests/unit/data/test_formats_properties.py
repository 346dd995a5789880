"""Properties of the row normalisers over generated rows, not hand-picked ones.

Any row of a known shape becomes records of plain strings; any other row (wrong types, odd
keys, not an object at all) raises ``DataFormatError`` naming the source and the field, and
never some other exception from deep inside a loader.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alignzoo.data.formats import (
    ASSISTANT,
    Message,
    normalize_feedback,
    normalize_pair,
    normalize_prompt,
)
from alignzoo.data.records import LabelledCompletion, PreferencePair, PromptRecord
from alignzoo.errors import DataFormatError

SOURCE = "rows.jsonl"
#: the keys the shape detectors look at, so generated rows hit every branch
KEYS = [
    "prompt",
    "chosen",
    "rejected",
    "completion",
    "label",
    "info",
    "summaries",
    "choice",
    "history",
    "human_ref_A",
    "human_ref_B",
    "labels",
    "margin",
    "role",
    "content",
    "text",
]
FAST = settings(max_examples=100, deadline=None)


class ChatTemplate:
    """A chat template in plain Python: each turn as ``<role>content``, newline-ended."""

    chat_template = "<role>content"

    def apply_chat_template(
        self, conversation: list[Message], *, tokenize: bool, add_generation_prompt: bool
    ) -> str:
        text = "".join(f"<{m['role']}>{m['content']}\n" for m in conversation)
        return text + ("<assistant>" if add_generation_prompt else "")


TOKENIZER = ChatTemplate()

text = st.text(max_size=20)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | text
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | text, inner, max_size=4)
    ),
    max_leaves=12,
)
rows = st.dictionaries(st.sampled_from(KEYS) | text, json_values, max_size=6)


def message(role: str | st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
    roles = st.just(role) if isinstance(role, str) else role
    return st.fixed_dictionaries({"role": roles, "content": text})


conversations = st.builds(
    lambda turns, last: [*turns, last],
    st.lists(message(st.sampled_from(["system", "user", "assistant"])), max_size=3),
    message("assistant"),
)
explicit_rows = st.fixed_dictionaries({"prompt": text, "chosen": text, "rejected": text})
hh_rows = st.builds(
    lambda shared, a, b: {"chosen": shared + ASSISTANT + a, "rejected": shared + ASSISTANT + b},
    text,
    text,
    text,
)
tldr_rows = st.fixed_dictionaries(
    {
        "info": st.fixed_dictionaries({"post": text, "title": text, "subreddit": text}),
        "summaries": st.lists(st.fixed_dictionaries({"text": text}), min_size=2, max_size=2),
        "choice": st.sampled_from([0, 1, 0.0, 1.0]),
    }
)
shp_rows = st.fixed_dictionaries(
    {"history": text, "human_ref_A": text, "human_ref_B": text, "labels": st.sampled_from([0, 1])}
)
conversational_rows = st.fixed_dictionaries({"chosen": conversations, "rejected": conversations})
split_conversational_rows = st.fixed_dictionaries(
    {
        "prompt": st.lists(message("user"), min_size=1, max_size=2),
        "chosen": st.lists(message("assistant"), min_size=1, max_size=2),
        "rejected": st.lists(message("assistant"), min_size=1, max_size=2),
    }
)
pair_rows = (
    explicit_rows | hh_rows | tldr_rows | shp_rows | conversational_rows | split_conversational_rows
)
margins = st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False)


def _is_pair_of_strings(pair: object) -> bool:
    return isinstance(pair, PreferencePair) and all(
        type(value) is str for value in (pair.prompt, pair.chosen, pair.rejected)
    )


def _names_its_field(error: DataFormatError) -> bool:
    """The message starts with the source and names the field (when one is at fault)."""
    message = str(error)
    named = error.field is None or f"field {error.field!r}" in message
    return message.startswith(SOURCE) and error.source == SOURCE and named


@FAST
@given(pair_rows, st.none() | margins)
def test_every_pair_shape_gives_a_pair_of_strings(row: dict[str, Any], margin: Any) -> None:
    if margin is not None:
        row = {**row, "margin": margin}
    pair = normalize_pair(row, 3, SOURCE, TOKENIZER)
    assert _is_pair_of_strings(pair)
    assert pair.margin is None if margin is None else pair.margin == float(margin)
    assert type(normalize_prompt(row, 3, SOURCE, TOKENIZER).prompt) is str
    feedback = normalize_feedback(row, 3, SOURCE, TOKENIZER)
    assert [(f.completion, f.desirable) for f in feedback] == [
        (pair.chosen, True),
        (pair.rejected, False),
    ]


@FAST
@given(explicit_rows)
def test_explicit_rows_are_taken_verbatim(row: dict[str, str]) -> None:
    assert normalize_pair(row, 0, SOURCE) == PreferencePair(
        row["prompt"], row["chosen"], row["rejected"]
    )


@FAST
@given(hh_rows)
def test_hh_prompt_plus_completion_gives_back_each_transcript(row: dict[str, str]) -> None:
    pair = normalize_pair(row, 0, SOURCE)
    assert pair.prompt.endswith(ASSISTANT)
    assert pair.prompt + pair.chosen == row["chosen"]
    assert pair.prompt + pair.rejected == row["rejected"]


@FAST
@given(
    st.fixed_dictionaries({"prompt": text | st.lists(message("user"), min_size=1, max_size=2)}),
    st.fixed_dictionaries({"completion": text, "label": st.booleans()}),
)
def test_prompt_and_unpaired_rows_give_strings(
    prompt_row: dict[str, Any], feedback: dict[str, Any]
) -> None:
    record = normalize_prompt(prompt_row, 0, SOURCE, TOKENIZER)
    assert isinstance(record, PromptRecord) and type(record.prompt) is str
    if isinstance(prompt_row["prompt"], str):  # message lists are rendered: not verbatim
        [unpaired] = normalize_feedback({**prompt_row, **feedback}, 0, SOURCE, TOKENIZER)
        assert unpaired == LabelledCompletion(
            prompt_row["prompt"], feedback["completion"], feedback["label"]
        )


@FAST
@given(rows, st.booleans())
def test_any_row_gives_strings_or_a_data_error_naming_its_field(
    row: dict[str, Any], with_template: bool
) -> None:
    tokenizer = TOKENIZER if with_template else None
    for normalize in (normalize_pair, normalize_prompt, normalize_feedback):
        try:
            result = normalize(row, 7, SOURCE, tokenizer)
        except DataFormatError as error:
            assert _names_its_field(error), str(error)
            assert error.row == 7
            continue
        records = result if isinstance(result, list) else [result]
        for record in records:
            others = ("margin", "desirable", "fields")
            strings = [v for k, v in vars_of(record).items() if k not in others]
            assert all(type(value) is str for value in strings)
            assert isinstance(getattr(record, "fields", {}), dict)
            margin = getattr(record, "margin", None)
            assert margin is None or (type(margin) is float and math.isfinite(margin))


@FAST
@given(json_values.filter(lambda value: not isinstance(value, dict)))
def test_a_row_that_is_no_object_is_a_data_error(row: Any) -> None:
    for normalize in (normalize_pair, normalize_prompt, normalize_feedback):
        try:
            normalize(row, 0, SOURCE, TOKENIZER)
        except DataFormatError as error:
            assert error.field is None and "expected an object row" in str(error)
        else:
            raise AssertionError(f"{normalize.__name__} accepted {row!r}")


#: (a list is no wrong type here: a message list makes the row conversational)
not_a_string = scalars.filter(lambda value: not isinstance(value, str)) | st.dictionaries(
    text, st.integers(), max_size=2
)


@FAST
@given(explicit_rows, st.sampled_from(["prompt", "chosen", "rejected"]), not_a_string)
def test_a_field_of_the_wrong_type_is_named(row: dict[str, Any], field: str, wrong: Any) -> None:
    broken = {**row, field: wrong}
    try:
        normalize_pair(broken, 2, SOURCE)
    except DataFormatError as error:
        assert error.field == field and _names_its_field(error), str(error)
    else:
        raise AssertionError(f"accepted {broken!r}")


@FAST
@given(
    shp_rows | tldr_rows,
    st.integers(2, 10) | st.sampled_from([-1, "1", None, 0.5, True, math.nan]),
)
def test_a_label_other_than_0_or_1_is_named(row: dict[str, Any], label: Any) -> None:
    field = "labels" if "labels" in row else "choice"
    try:
        normalize_pair({**row, field: label}, 0, SOURCE)
    except DataFormatError as error:
        assert error.field == field and _names_its_field(error), str(error)
    else:
        raise AssertionError(f"accepted {field}={label!r}")


@FAST
@given(explicit_rows, st.sampled_from([math.nan, math.inf, -math.inf, "1.5", [1]]))
def test_a_margin_that_is_no_finite_number_is_named(row: dict[str, Any], margin: Any) -> None:
    try:
        normalize_pair({**row, "margin": margin}, 0, SOURCE)
    except DataFormatError as error:
        assert error.field == "margin" and _names_its_field(error), str(error)
    else:
        raise AssertionError(f"accepted margin={margin!r}")


def vars_of(record: object) -> dict[str, Any]:
    """The fields of a slotted record."""
    return {name: getattr(record, name) for name in type(record).__slots__}
