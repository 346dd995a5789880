"""The built-in reasoning task: multi-step sums with worked answers."""
