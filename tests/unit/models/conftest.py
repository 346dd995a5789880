"""Shared fixtures of the model tests."""

from __future__ import annotations

import pytest

from alignzoo.models.tokenize import TokenizedCompletions, tokenize_completions


@pytest.fixture
def batch(tok) -> TokenizedCompletions:
    """Two (prompt, completion) rows of different lengths in the built-in vocabulary."""
    return tokenize_completions(
        tok,
        ["yesterday i watched the movie and", "i"],
        ["the plot was great .", "it was bad ."],
        max_length=64,
    )
