"""The two front doors, ``python -m bake``/``neko-bake`` and the nox sessions, and the
repository's own lint. The only layer that may import every other.
"""
