"""``reward=distinct_words``: a rules-based reward as one plain typed function."""

from __future__ import annotations


def distinct_words(prompt: str, completion: str, min_words: int = 1) -> float:
    """Distinct words / words of the completion, in [0, 1]: repetition scores low.

    Completions shorter than ``min_words`` words score 0. Registered with
    ``registry.add_reward_function``, its keyword parameter becomes ``reward.min_words``.
    """
    words = completion.split()
    if len(words) < max(min_words, 1):
        return 0.0
    return len(set(words)) / len(words)
