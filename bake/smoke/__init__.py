"""Smoke tests: which checks run on which image × platform, the containers that run them,
and their results as text. Imports ``bake.model`` and ``bake.core``.
"""
