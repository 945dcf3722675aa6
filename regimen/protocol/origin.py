"""Where a protocol came from: the shipped folder, or a user's folder (``--protocols``,
``$REGIMEN_PROTOCOLS``). A user's file is named, with its content hash, in every output's header,
so that a plan made from a local copy can never pass for one made from the shipped protocol."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..model import Protocol

__all__ = ["is_shipped", "notice", "shipped_dir", "user_file"]


@cache
def shipped_dir() -> Path:
    """The folder of the shipped protocols: inside an installed wheel, or the source tree's."""
    package = Path(__file__).resolve().parent.parent
    inside = package / "protocols"
    return inside if inside.is_dir() else package.parent / "protocols"


@cache
def _shipped_root() -> Path:
    return shipped_dir().resolve()


def is_shipped(path: str | Path, *, resolved: bool = False) -> bool:
    """Whether ``path`` lies in the shipped folder (``resolved``: it is already a resolved path)."""
    return (Path(path) if resolved else Path(path).resolve()).is_relative_to(_shipped_root())


def user_file(protocol: Protocol) -> tuple[str, str] | None:
    """(path, sha256) of a protocol read from a user's file, or None for a shipped or built one."""
    if not protocol.path or is_shipped(protocol.path, resolved=True):  # the loader stores resolved paths
        return None
    return protocol.path, protocol.sha256


def notice(protocol: Protocol) -> str | None:
    """The line every output's header carries when the protocol came from a user's folder."""
    found = user_file(protocol)
    if found is None:
        return None
    return f"protocol {protocol.id} read from {found[0]} (sha256 {found[1]}), not from the shipped protocols"
