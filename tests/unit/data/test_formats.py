"""Each public row shape normalises to exact strings; each malformed row names row and field."""

from __future__ import annotations

from typing import Any

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from alignzoo.data.formats import detect_shape, normalize_pair, normalize_prompt
from alignzoo.data.records import PreferencePair, PromptRecord
from alignzoo.errors import DataFormatError

TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def make_tokenizer(template: str | None) -> PreTrainedTokenizerFast:
    """A tiny offline tokenizer: a whitespace WordLevel model, optionally with a chat template."""
    vocab = {"[UNK]": 0, "hi": 1, "hello": 2, "bye": 3}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]")
    tokenizer.chat_template = template
    return tokenizer


@pytest.fixture(scope="module")
def tok() -> PreTrainedTokenizerFast:
    return make_tokenizer(TEMPLATE)


def msg(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


TLDR: dict[str, Any] = {
    "info": {"post": "My cat ignores me.", "title": "Cat help", "subreddit": "cats"},
    "summaries": [{"text": "cat is aloof"}, {"text": " cat is fine"}],
    "choice": 0,
}
TLDR_PROMPT = "SUBREDDIT: r/cats\nTITLE: Cat help\nPOST: My cat ignores me.\n\nTL;DR:"
HH = {
    "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Joke?\n\nAssistant: Knock knock.",
    "rejected": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Joke?\n\nAssistant: No.",
}


@pytest.mark.parametrize(
    ("row", "shape"),
    [
        ({"prompt": "p", "chosen": "c", "rejected": "r"}, "explicit"),
        ({"chosen": [msg("user", "q")], "rejected": [msg("user", "q")]}, "conversational"),
        ({"prompt": [msg("user", "q")], "chosen": [], "rejected": []}, "conversational"),
        ({"prompt": "q", "chosen": [msg("user", "q")], "rejected": []}, "conversational"),
        (HH, "hh"),
        (TLDR, "tldr"),
        ({"prompt": "p"}, "prompt"),
        ({"prompt": [msg("user", "q")]}, "prompt"),
    ],
)
def test_detect_shape(row: dict[str, Any], shape: str) -> None:
    assert detect_shape(row) == shape


def test_explicit_pair() -> None:
    row = {"prompt": "Q: 2+2?", "chosen": " 4", "rejected": " 5", "extra": 1}
    assert normalize_pair(row, 0, "s") == PreferencePair("Q: 2+2?", " 4", " 5")


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"prompt": "p", "chosen": "c"}, r"^d\.jsonl, row 7, field 'rejected': missing field"),
        ({"prompt": "p", "chosen": 3, "rejected": "r"},
         "row 7, field 'chosen': expected a string, got int"),
        ({"prompt": None, "chosen": "c", "rejected": "r"},
         "row 7, field 'prompt': expected a string, got null"),
        ({"prompt": "p"}, "row 7, field 'chosen': missing field"),
        ({"text": "t"}, r"row 7: unrecognised row shape, keys \['text'\]"),
        (["p", "c", "r"], "row 7: expected an object row, got list"),
    ],
)  # fmt: skip
def test_malformed_pair_rows(row: Any, match: str) -> None:
    with pytest.raises(DataFormatError, match=match):
        normalize_pair(row, 7, "d.jsonl")


def test_hh_prompt_ends_after_last_shared_assistant_marker() -> None:
    pair = normalize_pair(HH, 0, "hh")
    assert pair == PreferencePair(
        "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Joke?\n\nAssistant:", " Knock knock.", " No."
    )


def test_hh_without_shared_assistant_marker() -> None:
    row = {"chosen": "\n\nHuman: A", "rejected": "\n\nHuman: B"}
    with pytest.raises(DataFormatError, match="row 2, field 'chosen': no 'Assistant:' marker"):
        normalize_pair(row, 2, "hh")


def test_tldr_pair_follows_choice_and_spaces_summaries() -> None:
    assert normalize_pair(TLDR, 0, "s") == PreferencePair(
        TLDR_PROMPT, " cat is aloof", " cat is fine"
    )
    flipped = normalize_pair({**TLDR, "choice": 1}, 0, "s")
    assert (flipped.chosen, flipped.rejected) == (" cat is fine", " cat is aloof")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"choice": 2}, "row 4, field 'choice': expected 0 or 1, got 2"),
        ({"choice": True}, "row 4, field 'choice': expected 0 or 1"),
        ({"info": {"title": "t", "subreddit": "s"}}, "row 4, field 'info.post': missing field"),
        ({"info": "x"}, "row 4, field 'info': expected a dict, got str"),
        ({"summaries": [{"text": "a"}]}, "row 4, field 'summaries': expected a list of two"),
        ({"summaries": [{"text": "a"}, {"txt": "b"}]},
         r"row 4, field 'summaries\[1\]\.text': missing"),
        ({"summaries": [{"text": "a"}, "b"]}, r"row 4, field 'summaries\[1\]': expected a dict"),
    ],
)  # fmt: skip
def test_malformed_tldr_rows(change: dict[str, Any], match: str) -> None:
    with pytest.raises(DataFormatError, match=match):
        normalize_pair({**TLDR, **change}, 4, "tldr")


def test_conversational_pair_uses_shared_prefix(tok: PreTrainedTokenizerFast) -> None:
    row = {
        "chosen": [msg("system", "Be kind."), msg("user", "hi"), msg("assistant", "hello")],
        "rejected": [msg("system", "Be kind."), msg("user", "hi"), msg("assistant", "bye")],
    }
    pair = normalize_pair(row, 0, "s", tok)
    assert pair == PreferencePair(
        "<|system|>Be kind.\n<|user|>hi\n<|assistant|>", "hello\n", "bye\n"
    )


def test_conversational_multi_turn_stops_at_first_difference(tok: PreTrainedTokenizerFast) -> None:
    first = [msg("user", "hi"), msg("assistant", "hello")]
    row = {
        "chosen": [*first, msg("user", "again"), msg("assistant", "hello")],
        "rejected": [*first, msg("user", "again"), msg("assistant", "bye")],
    }
    prompt = "<|user|>hi\n<|assistant|>hello\n<|user|>again\n<|assistant|>"
    assert normalize_pair(row, 0, "s", tok) == PreferencePair(prompt, "hello\n", "bye\n")


def test_conversational_identical_replies_keep_last_turn_as_completion(
    tok: PreTrainedTokenizerFast,
) -> None:
    same = [msg("user", "hi"), msg("assistant", "hello")]
    assert normalize_pair({"chosen": same, "rejected": same}, 0, "s", tok) == PreferencePair(
        "<|user|>hi\n<|assistant|>", "hello\n", "hello\n"
    )


def test_conversational_trl_split_form(tok: PreTrainedTokenizerFast) -> None:
    row = {
        "prompt": [msg("user", "hi")],
        "chosen": [msg("assistant", "hello")],
        "rejected": [msg("assistant", "bye")],
    }
    expected = PreferencePair("<|user|>hi\n<|assistant|>", "hello\n", "bye\n")
    assert normalize_pair(row, 0, "s", tok) == expected


def test_conversational_string_prompt_beside_full_conversations(
    tok: PreTrainedTokenizerFast,
) -> None:
    row = {
        "prompt": "hi",
        "chosen": [msg("user", "hi"), msg("assistant", "hello")],
        "rejected": [msg("user", "hi"), msg("assistant", "bye")],
    }
    expected = PreferencePair("<|user|>hi\n<|assistant|>", "hello\n", "bye\n")
    assert normalize_pair(row, 0, "s", tok) == expected


def test_conversational_falls_back_to_last_content_when_prompt_is_not_a_prefix() -> None:
    tokenizer = make_tokenizer(
        "{% for m in messages %}[{{ m['content'] }}]{% endfor %}"
        "{% if add_generation_prompt %}<gen>{% endif %}"
    )
    row = {
        "chosen": [msg("user", "hi"), msg("assistant", "hello")],
        "rejected": [msg("user", "hi"), msg("assistant", "bye")],
    }
    assert normalize_pair(row, 0, "s", tokenizer) == PreferencePair("[hi]<gen>", "hello", "bye")


@pytest.mark.parametrize("template", [None, ""])
def test_conversational_needs_a_chat_template(template: str | None) -> None:
    row = {
        "chosen": [msg("user", "hi"), msg("assistant", "a")],
        "rejected": [msg("user", "hi"), msg("assistant", "b")],
    }
    match = "row 3, field 'chosen': conversational rows need a tokenizer with a chat template"
    with pytest.raises(DataFormatError, match=match):
        normalize_pair(row, 3, "s", None)
    with pytest.raises(DataFormatError, match=match):
        normalize_pair(row, 3, "s", make_tokenizer(template))


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"chosen": [msg("user", "hi"), {"role": "assistant"}], "rejected": []},
         "row 5, field 'chosen': message 1: expected a dict with string 'role' and 'content'"),
        ({"chosen": [msg("user", "hi"), msg("assistant", "a")], "rejected": ["hi"]},
         "row 5, field 'rejected': message 0: expected a dict"),
        ({"chosen": [msg("user", "hi"), msg("assistant", "a")], "rejected": "b"},
         "row 5, field 'rejected': expected a list of messages, got str"),
        ({"chosen": [msg("user", "hi")], "rejected": [msg("user", "hi"), msg("assistant", "b")]},
         "row 5, field 'chosen': must end with an assistant turn"),
        ({"prompt": [msg("user", "hi")], "chosen": [], "rejected": [msg("assistant", "b")]},
         "row 5, field 'chosen': no completion messages"),
        ({"prompt": [{"role": 1, "content": "x"}], "chosen": [], "rejected": []},
         "row 5, field 'prompt': message 0: expected a dict"),
    ],
)  # fmt: skip
def test_malformed_conversational_rows(
    tok: PreTrainedTokenizerFast, row: dict[str, Any], match: str
) -> None:
    with pytest.raises(DataFormatError, match=match):
        normalize_pair(row, 5, "s", tok)


def test_prompt_rows(tok: PreTrainedTokenizerFast) -> None:
    assert normalize_prompt({"prompt": "Tell me"}, 0, "s") == PromptRecord("Tell me")
    rendered = normalize_prompt({"prompt": [msg("user", "hi")]}, 0, "s", tok)
    assert rendered == PromptRecord("<|user|>hi\n<|assistant|>")


def test_prompts_from_pair_rows(tok: PreTrainedTokenizerFast) -> None:
    explicit = {"prompt": "Q", "chosen": "a", "rejected": "b"}
    assert normalize_prompt(explicit, 0, "s") == PromptRecord("Q")
    assert normalize_prompt(HH, 0, "s").prompt.endswith("Joke?\n\nAssistant:")
    assert normalize_prompt(TLDR, 0, "s") == PromptRecord(TLDR_PROMPT)
    conv = {
        "chosen": [msg("user", "hi"), msg("assistant", "a")],
        "rejected": [msg("user", "hi"), msg("assistant", "b")],
    }
    assert normalize_prompt(conv, 0, "s", tok) == PromptRecord("<|user|>hi\n<|assistant|>")


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"prompt": 5}, "row 9, field 'prompt': expected a string, got int"),
        ({"prompt": [msg("user", "hi")]}, "row 9, field 'prompt': conversational rows need a"),
        ({"question": "q"}, "row 9: unrecognised row shape"),
    ],
)
def test_malformed_prompt_rows(row: dict[str, Any], match: str) -> None:
    with pytest.raises(DataFormatError, match=match):
        normalize_prompt(row, 9, "s")


def test_a_margin_column_rides_along_with_any_pair_shape() -> None:
    row = {"prompt": "p", "chosen": " a", "rejected": " b", "margin": 2}
    assert normalize_pair(row, 0, "f.jsonl").margin == 2.0
    assert normalize_pair({**row, "margin": None}, 0, "f.jsonl").margin is None
    assert normalize_pair({"prompt": "p", "chosen": " a", "rejected": " b"}, 0, "f").margin is None
    with pytest.raises(DataFormatError, match=r"row 3.*margin.*expected a number, got str"):
        normalize_pair({**row, "margin": "big"}, 3, "f.jsonl")


def test_unpaired_feedback_rows_and_pairs_split_into_feedback() -> None:
    from alignzoo.data.formats import normalize_feedback
    from alignzoo.data.records import LabelledCompletion

    row = {"prompt": "p", "completion": " good", "label": True}
    assert detect_shape(row) == "unpaired"
    assert normalize_feedback(row, 0, "f") == [LabelledCompletion("p", " good", True)]
    pair = {"prompt": "p", "chosen": " a", "rejected": " b"}
    assert normalize_feedback(pair, 0, "f") == [
        LabelledCompletion("p", " a", True),
        LabelledCompletion("p", " b", False),
    ]
    chat = {
        "prompt": [{"role": "user", "content": "hi"}],
        "completion": [{"role": "assistant", "content": "hello"}],
        "label": False,
    }
    [record] = normalize_feedback(chat, 0, "f", make_tokenizer(TEMPLATE))
    assert record == LabelledCompletion("<|user|>hi\n<|assistant|>", "hello\n", False)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"prompt": "p", "completion": "c", "label": "yes"}, r"row 4.*label.*true or false"),
        ({"prompt": "p", "completion": 3, "label": True}, r"row 4.*completion"),
    ],
)
def test_malformed_unpaired_rows_name_the_field(row: dict, match: str) -> None:
    from alignzoo.data.formats import normalize_feedback

    with pytest.raises(DataFormatError, match=match):
        normalize_feedback(row, 4, "f.jsonl")


def test_an_unpaired_row_is_not_a_pair_and_says_which_algorithm_reads_it() -> None:
    with pytest.raises(DataFormatError, match="algorithm=kto"):
        normalize_pair({"prompt": "p", "completion": "c", "label": True}, 0, "f")


def test_shp_rows_order_the_replies_by_their_label() -> None:
    row = {"history": "Which?", "human_ref_A": "first", "human_ref_B": "second", "labels": 0}
    assert detect_shape(row) == "shp"
    assert normalize_pair(row, 0, "shp") == PreferencePair("Which?\n\n", "second", "first")
    assert normalize_pair({**row, "labels": 1}, 0, "shp").chosen == "first"
    with pytest.raises(DataFormatError, match=r"row 2.*labels.*expected 0 or 1"):
        normalize_pair({**row, "labels": 2}, 2, "shp")
    with pytest.raises(DataFormatError, match=r"human_ref_B"):
        normalize_pair({"history": "h", "human_ref_A": "a", "labels": 1}, 2, "shp")


def test_a_row_of_no_shape_lists_the_shapes_read() -> None:
    with pytest.raises(DataFormatError, match=r"keys \['text'\].*shp \(history.*unpaired"):
        detect_shape({"text": "t"}, source="f", index=0)


# --- prompt rows with per-example fields: plain, GSM8K-shaped, MATH-shaped ---


def test_a_prompt_rows_other_columns_are_its_fields() -> None:
    record = normalize_prompt(
        {"prompt": "2 + 2 =", "answer": "4", "tests": ["assert f() == 4"], "id": 7}, 0, "f"
    )
    assert record.prompt == "2 + 2 ="
    assert record.fields == {"answer": "4", "tests": ["assert f() == 4"], "id": 7}


def test_a_gsm8k_row_gives_the_question_and_the_number_after_the_hashes() -> None:
    worked = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 1,072"
    record = normalize_prompt({"question": "How many clips?", "answer": worked}, 0, "f")
    assert record.prompt == "How many clips?"
    assert record.fields == {"answer": "1072", "solution": worked}


def test_a_math_row_gives_the_problem_and_the_last_boxed_answer() -> None:
    solution = r"So $x = \frac{1}{2}$, and the sum is $\boxed{\frac{3}{4}}$."
    record = normalize_prompt(
        {"problem": "Find the sum.", "solution": solution, "level": "Level 2"}, 0, "f"
    )
    assert record.prompt == "Find the sum."
    assert record.fields == {"answer": r"\frac{3}{4}", "solution": solution, "level": "Level 2"}
    with_answer = normalize_prompt({"problem": "p", "solution": "s", "answer": "5"}, 0, "f")
    assert with_answer.fields["answer"] == "5"  # MATH-500's own answer column wins


@pytest.mark.parametrize(
    ("row", "field", "problem"),
    [
        ({"question": "q", "answer": "no mark"}, "answer", "expected a final answer after '####'"),
        ({"question": "q", "answer": "x ####  "}, "answer", "nothing after '####'"),
        ({"question": "q", "answer": 4}, "answer", "expected a string, got int"),
        ({"problem": "p", "solution": "no box"}, "solution", r"expected the answer in \boxed{...}"),
        ({"problem": 3, "answer": "1"}, "problem", "expected a string, got int"),
    ],
)
def test_a_malformed_reasoning_row_is_named_by_file_row_and_field(row, field, problem) -> None:
    with pytest.raises(DataFormatError) as raised:
        normalize_prompt(row, 12, "problems.jsonl")
    assert str(raised.value) == f"problems.jsonl, row 12, field {field!r}: {problem}"


def test_a_template_wraps_the_prompt_and_a_system_prompt_renders_a_conversation() -> None:
    class Chat:
        chat_template = "x"

        def apply_chat_template(self, conversation, **kwargs):
            assert kwargs["add_generation_prompt"] is True
            return "|".join(f"{m['role']}:{m['content']}" for m in conversation) + "|assistant:"

    row = {"question": "1 + 1?", "answer": "#### 2"}
    wrapped = normalize_prompt(row, 0, "f", template="Q: {prompt} A:")
    assert wrapped.prompt == "Q: 1 + 1? A:" and wrapped.fields["answer"] == "2"
    chat = normalize_prompt(row, 0, "f", Chat(), system_prompt="Think, then answer.")
    assert chat.prompt == "system:Think, then answer.|user:1 + 1?|assistant:"
    messages = {"prompt": [{"role": "user", "content": "hi"}], "answer": "x"}
    rendered = normalize_prompt(messages, 0, "f", Chat(), system_prompt="Be brief.")
    assert rendered.prompt == "system:Be brief.|user:hi|assistant:"
    assert rendered.fields == {"answer": "x"}
    with pytest.raises(DataFormatError, match="need a tokenizer with a chat template"):
        normalize_prompt(row, 5, "f", None, system_prompt="s")
