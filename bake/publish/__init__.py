"""Everything that talks to a registry: the OCI client, uploads by digest, tags moved last,
read-back, stage records, signatures and attestations, changelogs, prune and inspect.

May import: smoke, model, core.
"""
