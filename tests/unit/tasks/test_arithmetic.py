"""The built-in reasoning task: problems with worked answers, held-out problems kept out of
every training text, and the exact check that is its gold reward."""

from __future__ import annotations

from alignzoo.tasks.arithmetic.architecture import architecture
from alignzoo.tasks.arithmetic.base_model import build_tokenizer
from alignzoo.tasks.arithmetic.config import ArithmeticModelConfig, ArithmeticTaskConfig
from alignzoo.tasks.arithmetic.gold_reward import ArithmeticGold
from alignzoo.tasks.arithmetic.problems import (
    heldout_problems,
    prompt_of,
    training_problems,
    worked_answer,
)
from alignzoo.tasks.arithmetic.task import ArithmeticTask


def test_a_problem_is_worked_one_step_per_term_then_answered() -> None:
    assert prompt_of((3, 5, 2)) == "3 + 5 + 2 ="
    assert worked_answer((3, 5, 2)) == " 3 + 5 = 8 ; 8 + 2 = 10 #### 10"
    tokenizer = build_tokenizer()
    ids = tokenizer(prompt_of((3, 5, 2)) + worked_answer((3, 5, 2))).input_ids
    assert tokenizer.unk_token_id not in ids  # every word is in the vocabulary


def test_heldout_problems_never_reach_training() -> None:
    config = ArithmeticTaskConfig()
    task = ArithmeticTask(config)
    heldout, train = task.prompts("heldout"), task.prompts("train")
    assert len(heldout) == config.heldout_prompts and len(train) == config.train_prompts
    assert {r.prompt for r in heldout}.isdisjoint(r.prompt for r in train)
    held = set(heldout_problems(config.heldout_prompts, 3, config.largest, config.seed))
    corpus = training_problems(5000, [2, 3, 4], config.largest, "corpus-1234", held)
    assert not held & set(corpus)  # the base model's corpus draws the same way
    first = heldout[0]
    assert first.fields["answer"] == str(sum(int(w) for w in first.prompt.split() if w.isdigit()))


def test_the_gold_is_the_exact_sum_after_the_mark_and_counts_unreadable_answers() -> None:
    gold = ArithmeticGold()
    rows = [{"answer": "10"}] * 5
    completions = [
        " 3 + 5 = 8 ; 8 + 2 = 10 #### 10",
        " 3 + 5 = 9 ; 9 + 2 = 11 #### 11",
        " 3 + 5 = 8 ; 8 + 2 = 10 #### 10 ; 7",  # what follows the answer is not read
        " 3 + 5 = 8 ; 8 + 2 = 10",  # no answer
        " #### 010",
    ]
    scores = gold.score_examples(["p"] * 5, completions, rows).tolist()
    assert scores == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert gold.metrics()["arithmetic/no_answer"] == 0.2
    assert gold.checks_correctness


def test_pairs_prefer_the_worked_answer_to_a_wrong_sum() -> None:
    pair = ArithmeticTask(ArithmeticTaskConfig(heldout_prompts=4)).preference_pairs("heldout")[0]
    assert pair.chosen.rsplit("####", 1)[1].strip() != pair.rejected.rsplit("####", 1)[1].strip()
    assert pair.chosen.rsplit("####", 1)[0] == pair.rejected.rsplit("####", 1)[0]


def test_the_planner_reads_the_architecture_the_model_is_built_from() -> None:
    spec = architecture(ArithmeticModelConfig())
    assert spec["vocab_size"] == len(build_tokenizer())
    assert spec["hidden_size"] == 64 and spec["num_hidden_layers"] == 2
