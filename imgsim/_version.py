"""The version of imgsim, in a module that imports nothing (the CLI's ``--version`` and
the statistics files read it without loading the library)."""

__version__ = "0.1.0"
