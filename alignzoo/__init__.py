"""alignzoo: alignment algorithms (DPO, PPO, RLAIF, ...) as plugins behind one interface."""

__version__ = "0.1.0"
