"""The family rendered: one bake document, written as HCL and JSON, the graph, and the
generated files on disk. Imports ``bake.model`` and ``bake.core``.
"""
