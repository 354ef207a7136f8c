"""The two front doors, ``python -m bake``/``neko-bake`` and the nox sessions, the
listings they print, and the repository's own lint.

May import: ci, build, publish, smoke, emit, model, core.
"""
