"""The foundation every layer stands on: errors that carry their exit code, the one
subprocess runner, and the handling of Ctrl-C/SIGTERM.

May import: nothing.
"""
