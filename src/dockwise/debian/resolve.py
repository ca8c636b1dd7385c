"""`dockwise base --update-lock`: verify the archive's signed indexes, let apt (via mmdebstrap) resolve the slim
closure, take the hand-listed distroless packages as they are, and write the lock with every .deb's sha256.
"""

from __future__ import annotations

import email.utils
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from debian.debian_support import Version

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.platform import ARCH
from dockwise.core.programs import first_apt_error, run_program
from dockwise.debian.cache import fetch_debs, sha256_file
from dockwise.debian.host_tools import ensure_mmdebstrap, ensure_verify_tools
from dockwise.debian.index import PackageRecord, package_index, verified_suite
from dockwise.debian.lock import Lock, SuiteStamp, lock_path, save_lock
from dockwise.debian.releases import Release


def _newest(indexes: list[dict[str, PackageRecord]]) -> dict[str, PackageRecord]:
    """What apt would pick by default: the highest version of each package over all suites."""
    best: dict[str, PackageRecord] = {}
    for index in indexes:
        for name, record in index.items():
            if name not in best or Version(record.version) > Version(best[name].version):
                best[name] = record
    return best


def _resolve_slim(
    release: Release, include: tuple[str, ...], cache_dir: Path, say: Callable[[str], None], arch: str = ARCH
) -> dict[str, str]:
    """Run mmdebstrap (minbase + include, for Debian architecture `arch`: a foreign one runs its maintainer scripts
    under emulation) against the real archive; return the installed name -> version, and keep the downloaded .debs
    for the cache."""
    say(
        f"resolving the slim package set with mmdebstrap ({release.codename} {arch}, minbase + {len(include)} packages)"
    )
    with tempfile.TemporaryDirectory(prefix="dockwise-resolve-") as tmp:
        root = Path(tmp) / "root"
        command = [
            "mmdebstrap",
            "--quiet",
            "--mode=root",
            "--variant=minbase",
            f"--architectures={arch}",
            "--format=directory",
            f"--include={','.join(include)}",
            "--skip=download/empty",
            '--aptopt=Acquire::Languages "none"',
            *(f"--hook-dir={hook}" for hook in release.mmdebstrap_hooks),
            release.codename,
            str(root),
            *(f"deb {suite.mirror} {suite.name} main" for suite in release.suites),
        ]
        run_program(
            command,
            tool="mmdebstrap",
            timeout=1800,
            env=dict(os.environ, LC_ALL="C.UTF-8"),
            fix="check the package names and the network path to deb.debian.org",
            summary=first_apt_error,
        )
        status = (root / "var/lib/dpkg/status").read_text()
        installed = dict(re.findall(r"^Package: (\S+)\n(?:.+\n)*?Version: (\S+)$", status, re.M))
        cache_dir.mkdir(parents=True, exist_ok=True)
        for deb in (root / "var/cache/apt/archives").glob("*.deb"):
            target = cache_dir / deb.name
            if not target.exists():
                partial = cache_dir / f".{deb.name}.resolve"
                shutil.copyfile(deb, partial)
                os.replace(partial, target)
    return installed


def update_lock(
    release: Release,
    cache_dir: Path,
    extra: tuple[str, ...] = (),
    path: Path | None = None,
    say: Callable[[str], None] = lambda _m: None,
    arch: str = ARCH,
) -> Lock:
    """Resolve both package sets of Debian architecture `arch` against the verified archive, download and check
    every .deb, write that architecture's lock."""
    ensure_verify_tools(say)
    ensure_mmdebstrap(say)
    signed = []
    for suite in release.suites:
        say(f"verifying {suite.mirror}/dists/{suite.name}/InRelease with gpgv")
        signed.append(verified_suite(suite))
    say("reading the Packages indexes")
    indexes = {s.suite.name: package_index(s, arch) for s in signed}
    newest = _newest(list(indexes.values()))
    include = tuple(dict.fromkeys((*release.slim_include, *extra)))
    unknown = [name for name in (*release.distroless_packages, *include) if name not in newest]
    if unknown:
        raise DockwiseError(
            f"unknown Debian package {', '.join(unknown)} in {release.codename} (main, {arch})",
            "check the name with `apt-cache search` or packages.debian.org",
            exit_code=EXIT_USAGE,
        )
    installed = _resolve_slim(release, include, cache_dir, say, arch)
    packages = {name: newest[name] for name in release.distroless_packages}
    for name, version in installed.items():
        record = next((idx[name] for idx in indexes.values() if name in idx and idx[name].version == version), None)
        if record is None:
            raise DockwiseError(
                f"apt installed {name} {version}, which no verified index lists",
                "the mirror moved on mid-run; rerun `--update-lock`",
            )
        packages[name] = record
    stale = [
        name for name in installed if name in release.distroless_packages and packages[name].version != installed[name]
    ]
    if stale:
        raise DockwiseError(f"slim and distroless disagree on {', '.join(stale)}", "rerun `--update-lock`")
    dates = [email.utils.parsedate_to_datetime(s.date) for s in signed if s.date]
    lock = Lock(
        release=release.codename,
        arch=arch,
        epoch=int(max(dates).timestamp()) if dates else 0,
        suites=tuple(SuiteStamp(s.suite.name, s.suite.mirror, s.date, s.inrelease_sha256) for s in signed),
        slim_include=include,
        slim=tuple(sorted(installed)),
        distroless=release.distroless_packages,
        packages=packages,
    )
    for record in packages.values():
        cached = cache_dir / record.deb_name
        if cached.exists() and sha256_file(cached) != record.sha256:
            cached.unlink()  # apt's copy of another build of that version: fetch the indexed one
    say(f"downloading and checking {len(packages)} .debs")
    fetch_debs(list(packages.values()), cache_dir)
    save_lock(lock, path or lock_path(release.codename, arch))
    return lock
