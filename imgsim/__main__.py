"""``python -m imgsim``."""

from imgsim.cli import main

main()
