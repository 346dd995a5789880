"""Unit tests for ``ReferenceModel``: a frozen, independent copy of the policy."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from alignzoo.models.logprobs import sequence_logprobs
from alignzoo.models.reference import ReferenceModel


@pytest.fixture
def policy(tiny_llama):
    return tiny_llama().train()


def test_parameters_frozen_and_policy_untouched(policy):
    ref = ReferenceModel.frozen_copy_of(policy)
    assert not any(p.requires_grad for p in ref.model.parameters())
    assert not ref.model.training
    assert all(p.requires_grad for p in policy.parameters())
    assert policy.training


def test_no_shared_storage(policy):
    ref = ReferenceModel.frozen_copy_of(policy)
    ref_ptrs = {p.data_ptr() for p in ref.model.parameters()}
    assert ref_ptrs.isdisjoint(p.data_ptr() for p in policy.parameters())
    for (name, p), (ref_name, r) in zip(
        policy.named_parameters(), ref.model.named_parameters(), strict=True
    ):
        assert name == ref_name
        assert torch.equal(p, r)


def test_logprobs_fixed_after_policy_changes(policy, batch):
    policy.eval()
    ref = ReferenceModel.frozen_copy_of(policy)
    before = ref.sequence_logprobs(batch)
    before_tokens = ref.token_logprobs(batch)
    assert_close(before, sequence_logprobs(policy, batch).detach())
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    assert not torch.allclose(sequence_logprobs(policy, batch), before)
    assert torch.equal(ref.sequence_logprobs(batch), before)
    assert torch.equal(ref.token_logprobs(batch), before_tokens)


def test_reference_logprobs_carry_no_graph(policy, batch):
    ref = ReferenceModel.frozen_copy_of(policy)
    assert not ref.sequence_logprobs(batch).requires_grad
    assert not ref.token_logprobs(batch).requires_grad
