"""Entry point for ``python -m bake``."""

from bake import cli

raise SystemExit(cli.main())
