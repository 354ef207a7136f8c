"""The foundation every layer stands on: errors that carry their exit code, the one
subprocess runner, the handling of Ctrl-C/SIGTERM, and the one table of settings (every
default and ``BAKE_*`` variable, applied defaults → family.yaml → environment → CLI).

May import: nothing.
"""
