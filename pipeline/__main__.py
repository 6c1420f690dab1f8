"""`python -m pipeline` and the `jixiao` console command ([project.scripts] in pyproject.toml)."""

import os
import sys

from .messages import MSG


def console() -> int:
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while the program is still loading: nothing to clean up
        print(MSG["RUN_interrupted"], file=sys.stderr, flush=True)
        # A half-done import can leave the interpreter's shutdown to end in the signal (exit -2,
        # seen 3 times in 20): leave now, with the code the contract's callers expect.
        os._exit(130)
    return main()


if __name__ == "__main__":
    sys.exit(console())
