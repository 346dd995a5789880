"""A sandbox for untrusted code: a model's program, a data row's tests. Nothing from a model
or a data row runs anywhere else."""

from alignzoo.sandbox.run import Limits, Outcome, SandboxResult, run_sandboxed

__all__ = ["Limits", "Outcome", "SandboxResult", "run_sandboxed"]
