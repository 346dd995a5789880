"""Comparison reports: several finished runs side by side, as tables and plots."""
