"""The .deb cache (~/.cache/dockwise/debs, XDG_CACHE_HOME honoured): download once, verify sha256 on every use."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from dockwise.core.atomic import atomic_file
from dockwise.core.errors import DockwiseError
from dockwise.debian.index import TIMEOUT_S, PackageRecord

CHUNK = 1 << 20


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwise" / "debs"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified_deb(record: PackageRecord, cache_dir: Path) -> Path:
    """The cached .deb of `record` after checking its sha256 against the lock; a mismatch is refused."""
    path = cache_dir / record.deb_name
    actual = sha256_file(path)
    if actual != record.sha256:
        raise DockwiseError(
            f"sha256 mismatch for {record.name} {record.version}: {path} has {actual[:16]}…, the lock says "
            f"{record.sha256[:16]}…",
            f"delete {path} so it is downloaded again (or run `dockwise base --update-lock` if the archive changed)",
        )
    return path


def fetch_debs(
    records: list[PackageRecord], cache_dir: Path, progress: Callable[[int], None] = lambda _n: None
) -> list[Path]:
    """Download what the cache lacks (checked before it is renamed into place), then verify every file."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for record in records:
        if not (cache_dir / record.deb_name).exists():
            _download(record, cache_dir, progress)
        else:
            progress(record.size)
    return [verified_deb(record, cache_dir) for record in records]


def _download(record: PackageRecord, cache_dir: Path, progress: Callable[[int], None]) -> None:
    digest = hashlib.sha256()
    try:
        # Checked before the rename: a .deb in the cache always had the locked sha256 once.
        with (
            atomic_file(cache_dir / record.deb_name, "wb") as out,
            urllib.request.urlopen(record.url, timeout=TIMEOUT_S) as response,
        ):
            for chunk in iter(lambda: response.read(CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                progress(len(chunk))
            if digest.hexdigest() != record.sha256:
                raise DockwiseError(
                    f"downloaded {record.name} {record.version} has sha256 {digest.hexdigest()[:16]}…, the lock says "
                    f"{record.sha256[:16]}…",
                    "the mirror serves different bytes; rerun later or run `dockwise base --update-lock`",
                )
    except urllib.error.HTTPError as exc:
        raise DockwiseError(
            f"{record.url} answered HTTP {exc.code}",
            "the locked version left the mirror; run `dockwise base --update-lock`",
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno == 28:
            raise DockwiseError(f"disk full while writing {cache_dir}", "free space or set XDG_CACHE_HOME") from None
        raise DockwiseError(
            f"Debian archive unreachable: {record.url} ({getattr(exc, 'reason', exc)})",
            "check the network path to deb.debian.org, then rerun",
        ) from None
