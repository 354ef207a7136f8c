"""The public name an adopter's noxfile imports (``import bake.nox_sessions`` then
``bake.nox_sessions.register()``): it stays stable while the package's layers move;
the code lives in ``bake.front.nox_sessions``."""

from bake.front.nox_sessions import register

__all__ = ["register"]
