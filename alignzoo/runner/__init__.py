"""The runner: the training loop, optimizer step, metrics log and checkpoints."""
