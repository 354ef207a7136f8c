"""The family rendered: one bake document, written as HCL and JSON, the graph, and the
generated files on disk.

May import: model, core.
"""
