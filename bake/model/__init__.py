"""The family as data: YAML loading with positions, the schema, validated frozen config,
the platform table, package apps, resolved images, names, tags, labels and the bake
variables. Pure: no docker, no network.

May import: core.
"""
