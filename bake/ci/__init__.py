"""The CI plan: which build jobs a workflow runs and what the merge job tags.

May import: build, publish, smoke, emit, model, core.
"""
