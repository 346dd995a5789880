"""Built-in tasks with a known objective, for comparing algorithms without a download."""
