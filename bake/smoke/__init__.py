"""Smoke tests: which checks run on which image × platform, the containers that run them,
and their results as text.

May import: model, core.
"""
