"""Policy and reference models: loading, tokenizing, log-probs and sampling (plain functions)."""
