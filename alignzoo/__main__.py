"""``python -m alignzoo`` (and ``accelerate launch -m alignzoo``) runs the same app."""

from alignzoo.cli import main

main()
