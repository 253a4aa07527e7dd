"""The ``zhifang`` command line: one entry point that hands each command group to
the package that owns it. The only place where both halves meet, and even here the
demo runs central and the box as separate processes."""
