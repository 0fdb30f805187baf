"""``python -m eval_toolkit``: the same command line as ``eval-toolkit``."""

from __future__ import annotations

from .cli import main

# Guarded: worker processes may import __main__ and must not rerun the command.
if __name__ == "__main__":
    raise SystemExit(main())
