"""The CI plan: which build jobs a workflow runs and what the merge job tags.
Imports ``bake.build`` and every layer below it.
"""
