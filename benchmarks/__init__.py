"""Benchmarks of neko-bake: each measure as a ratio to a baseline, run side by side."""
