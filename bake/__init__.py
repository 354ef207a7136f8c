"""bake: one YAML file describes a family of multi-arch images; this package turns it
into docker-bake.hcl/json and drives buildx, QEMU tests and pushes from it."""

__all__ = ["__version__"]
__version__ = "0.1.0"
