"""Entry point for ``python -m bake``."""

from bake.front import cli

raise SystemExit(cli.main())
