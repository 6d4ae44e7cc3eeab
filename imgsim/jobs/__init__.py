"""The library call behind each command: it runs the pipeline and returns rows, notes and
failures; the command line only parses options, calls one of these, prints and exits."""
