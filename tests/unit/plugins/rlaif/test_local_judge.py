"""The local judge reads verdicts from token probabilities, in both of its modes."""

from __future__ import annotations

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from alignzoo.errors import ConfigError
from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.tokenize import tokenize_completions
from alignzoo_rlaif.config import JudgeMode, LocalJudgeConfig
from alignzoo_rlaif.local_judge import LocalJudge

WORDS = (
    ["<pad>", "<s>", "</s>", "<unk>", "<good>", "<bad>", "A", "B", "AB"]
    + [str(i) for i in range(1, 11)]
    + "prompt response which is better great awful the film was".split()
)


@pytest.fixture(scope="module")
def judge_dir(tmp_path_factory) -> str:
    """A tiny random causal LM with a word-level tokenizer, saved like any HF model."""
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(WORDS),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=2,
            pad_token_id=0,
        )
    )
    path = tmp_path_factory.mktemp("judge")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def _judge(judge_dir: str, **fields) -> LocalJudge:
    return LocalJudge(LocalJudgeConfig(model=judge_dir, device="cpu", **fields))


def test_choice_mode_reads_the_softmax_over_choice_tokens(judge_dir: str) -> None:
    judge = _judge(
        judge_dir,
        mode=JudgeMode.choice,
        pairwise_template="{prompt} {response_a} {response_b} which",
    )
    p_a = judge.compare(["prompt"], ["great"], ["awful"])
    encoded = judge.tokenizer(["prompt great awful which"], return_tensors="pt")
    logits = judge.model(**encoded).logits[0, -1]
    a, b = WORDS.index("A"), WORDS.index("B")
    expected = torch.softmax(torch.stack([logits[a], logits[b]]), dim=0)[0]
    torch.testing.assert_close(p_a, expected.unsqueeze(0).detach())


def test_choice_mode_rating_is_the_expected_scale_value(judge_dir: str) -> None:
    judge = _judge(judge_dir, mode=JudgeMode.choice, pointwise_template="{prompt} {response}")
    rating = judge.rate(["prompt"], ["great"])
    logits = judge.model(**judge.tokenizer(["prompt great"], return_tensors="pt")).logits[0, -1]
    probabilities = torch.softmax(logits[[WORDS.index(str(i)) for i in range(1, 11)]], dim=0)
    expected = (probabilities * torch.arange(1, 11)).sum()
    torch.testing.assert_close(rating, expected.unsqueeze(0).detach())
    assert 1.0 <= rating.item() <= 10.0


def test_choice_mode_rates_against_the_reference_its_template_names(judge_dir: str) -> None:
    template = "{prompt} the {reference} {response}"
    judge = _judge(judge_dir, mode=JudgeMode.choice, pointwise_template=template)
    assert judge.reference_field == "answer"
    rating = judge.rate(["prompt", "prompt"], ["great", "great"], ["great", "awful"])
    for row, reference in enumerate(["great", "awful"]):
        text = f"prompt the {reference} great"
        logits = judge.model(**judge.tokenizer([text], return_tensors="pt")).logits[0, -1]
        probabilities = torch.softmax(logits[[WORDS.index(str(i)) for i in range(1, 11)]], dim=0)
        expected = (probabilities * torch.arange(1, 11)).sum().detach()
        torch.testing.assert_close(rating[row], expected)
    assert rating[0] != rating[1]  # the reference reached the model
    likelihood = _judge(judge_dir, pointwise_template=template)
    assert likelihood.reference_field is None  # likelihood mode reads no template


def test_likelihood_mode_contrasts_principle_and_contrast_prefixes(judge_dir: str) -> None:
    judge = _judge(judge_dir, principle_prefix="<good> ", contrast_prefix="<bad> ")
    score = judge.rate(["the film was"], ["great"])
    tok = judge.tokenizer

    def loglik(prefix: str) -> torch.Tensor:
        return sequence_logprobs(
            judge.model, tokenize_completions(tok, [prefix + "the film was"], ["great"], 64)
        )

    evidence = (loglik("<good> ") - loglik("<bad> ")).detach()
    torch.testing.assert_close(score, torch.tanh(evidence / judge.config.likelihood_scale))
    p = judge.compare(["the film was"] * 2, ["great", "awful"], ["awful", "great"])
    torch.testing.assert_close(p[0] + p[1], torch.tensor(1.0))  # no position bias by design


def test_multi_token_choices_are_rejected_naming_the_field(judge_dir: str) -> None:
    with pytest.raises(ConfigError, match=r"reward.choices=.*one token"):
        _judge(judge_dir, mode=JudgeMode.choice, choices=["A B", "B"])


def test_identity_changes_with_the_principles(judge_dir: str) -> None:
    one = _judge(judge_dir, mode=JudgeMode.choice, principles=["be kind"])
    two = _judge(judge_dir, mode=JudgeMode.choice, principles=["be brief"])
    assert one.identity != two.identity


def test_identity_names_the_verdict_version(judge_dir: str) -> None:
    """A changed verdict formula must not be served stale judgements from the cache."""
    from alignzoo_rlaif.local_judge import VERDICT_VERSION

    assert _judge(judge_dir).identity.startswith(f"v{VERDICT_VERSION}|")


def test_4bit_judge_loads_quantized_and_keeps_its_own_identity(judge_dir: str) -> None:
    import bitsandbytes as bnb

    full, quantized = _judge(judge_dir), _judge(judge_dir, quant="4bit")
    assert isinstance(quantized.model.model.layers[0].mlp.up_proj, bnb.nn.Linear4bit)
    assert quantized.identity != full.identity  # cached verdicts are not shared across them
    p = quantized.compare(["prompt"], ["great"], ["awful"])
    assert p.shape == (1,) and 0.0 < p.item() < 1.0
    with pytest.raises(ConfigError, match=r"reward.quant='int2'"):
        _judge(judge_dir, quant="int2")
