"""`python -m pipeline` and the `jixiao` console command ([project.scripts] in pyproject.toml)."""

import sys

from .messages import MSG


def console() -> int:
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while the program is still loading: no traceback
        print(MSG["RUN_interrupted"], file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(console())
