"""The pipeline: check the host, plan, build with buildx, export or reuse, load, test, then
hand over to publish; and the refresh and change-aware (``affected``) runs.

May import: publish, smoke, emit, model, core.
"""
