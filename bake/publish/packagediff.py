"""The one package diff: how a platform's installed Debian packages moved between two
versions of an image (added, removed, upgraded old → new). Pure; the weekly refresh
(dpkg lists) and the release changelog (SBOM attestations) both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PackageChanges", "Packages", "compare_lists"]

Packages = dict[str, str]  # "name:arch" → version


@dataclass(frozen=True)
class PackageChanges:
    """How one platform's package list moved from the published image to the new one."""

    added: tuple[str, ...] = ()  # "name:arch version"
    removed: tuple[str, ...] = ()
    upgraded: tuple[str, ...] = ()  # "name:arch old → new"

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.upgraded)

    def describe(self) -> str:
        parts = [
            f"{label} {', '.join(items)}"
            for label, items in (
                ("upgraded", self.upgraded),
                ("added", self.added),
                ("removed", self.removed),
            )
            if items
        ]
        return "; ".join(parts) or "unchanged"

    def lines(self) -> list[str]:
        """One line per package, ``+`` added, ``-`` removed, ``~`` upgraded (sorted)."""
        return (
            [f"~ {item}" for item in self.upgraded]
            + [f"+ {item}" for item in self.added]
            + [f"- {item}" for item in self.removed]
        )


def compare_lists(old: Packages, new: Packages) -> PackageChanges:
    """What a platform's package list gained, lost and upgraded (or downgraded)."""
    return PackageChanges(
        added=tuple(f"{p} {new[p]}" for p in sorted(new.keys() - old.keys())),
        removed=tuple(f"{p} {old[p]}" for p in sorted(old.keys() - new.keys())),
        upgraded=tuple(
            f"{p} {old[p]} → {new[p]}" for p in sorted(old.keys() & new.keys()) if old[p] != new[p]
        ),
    )
