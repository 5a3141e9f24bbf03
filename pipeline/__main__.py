"""``python -m pipeline``: see ``pipeline/cli.py``."""

from pipeline.cli import exit_without_collecting, main

if __name__ == "__main__":
    exit_without_collecting(main())
