"""The family as data: YAML loading with positions, the schema, validated frozen config,
platforms, package apps, resolved images, names, tags, labels and the bake variables.
Imports only ``bake.core``.
"""
