"""The committed lock: per release, every .deb the bases are built from (name, version, arch, sha256, URL)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from dockwise.core.atomic import write_text
from dockwise.core.errors import DockwiseError
from dockwise.core.platform import ARCH
from dockwise.debian.index import PackageRecord

LOCK_FORMAT = 1


@dataclass(frozen=True)
class SuiteStamp:
    """Which signed InRelease a lock was resolved against."""

    suite: str
    mirror: str
    date: str
    inrelease_sha256: str


@dataclass(frozen=True)
class Lock:
    """Resolved, verified package sets of one release. `epoch` (newest InRelease date) is the default build time."""

    release: str
    arch: str
    epoch: int
    suites: tuple[SuiteStamp, ...]
    slim_include: tuple[str, ...]
    slim: tuple[str, ...]
    distroless: tuple[str, ...]
    packages: dict[str, PackageRecord]

    def records(self, names: tuple[str, ...]) -> list[PackageRecord]:
        return [self.packages[name] for name in names]

    def to_json(self) -> str:
        data = {
            "format": LOCK_FORMAT,
            "release": self.release,
            "arch": self.arch,
            "epoch": self.epoch,
            "suites": [asdict(stamp) for stamp in self.suites],
            "slim_include": list(self.slim_include),
            "slim": sorted(self.slim),
            "distroless": list(self.distroless),
            "packages": [asdict(self.packages[name]) for name in sorted(self.packages)],
        }
        return json.dumps(data, indent=1, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Lock:
        data = json.loads(text)
        if data.get("format") != LOCK_FORMAT:
            raise ValueError(f"lock format {data.get('format')!r}, expected {LOCK_FORMAT}")
        packages = {entry["name"]: PackageRecord(**entry) for entry in data["packages"]}
        return cls(
            release=data["release"],
            arch=data["arch"],
            epoch=int(data["epoch"]),
            suites=tuple(SuiteStamp(**stamp) for stamp in data["suites"]),
            slim_include=tuple(data["slim_include"]),
            slim=tuple(data["slim"]),
            distroless=tuple(data["distroless"]),
            packages=packages,
        )


def lock_path(codename: str, arch: str = ARCH) -> Path:
    """Where the committed lock of `codename` for Debian architecture `arch` lives (package data of dockwise.debian):
    `<codename>.lock.json` for amd64 (the name it always had), `<codename>.<arch>.lock.json` for any other."""
    name = f"{codename}.lock.json" if arch == ARCH else f"{codename}.{arch}.lock.json"
    return Path(str(resources.files("dockwise.debian") / "locks" / name))


def load_lock(codename: str, path: Path | None = None, arch: str = ARCH) -> Lock:
    """Read the lock of `arch`; a missing or unreadable one, or one for another architecture, is a DockwiseError
    that names `--update-lock`."""
    update = (
        f"run `dockwise base --release {codename}{'' if arch == ARCH else ' --platform linux/' + arch} --update-lock`"
    )
    path = path or lock_path(codename, arch)
    try:
        lock = Lock.from_json(path.read_text())
    except FileNotFoundError:
        raise DockwiseError(f"no {arch} lock for {codename} at {path}", update) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise DockwiseError(f"lock {path} is unreadable ({exc})", update) from None
    if lock.arch != arch:
        raise DockwiseError(f"lock {path} is for {lock.arch}, not {arch}", update)
    missing = [name for name in (*lock.slim, *lock.distroless) if name not in lock.packages]
    if missing:
        raise DockwiseError(f"lock {path} lacks records for {', '.join(missing[:5])}", update)
    return lock


def lock_digest(lock: Lock) -> str:
    """A short fingerprint of the lock's content; images carry it so a changed lock means a rebuild."""
    return hashlib.sha256(lock.to_json().encode()).hexdigest()[:16]


def save_lock(lock: Lock, path: Path) -> None:
    """Write the lock whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, lock.to_json())
