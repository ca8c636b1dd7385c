"""The slim base: a real dpkg-installed Debian (maintainer scripts run) made by mmdebstrap from the locked,
sha256-verified .debs only (served from a local archive), then trimmed and re-packed deterministically.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
from pathlib import Path

from debian.deb822 import Deb822

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import DEFAULT_PLATFORM, Platform
from dockwise.core.programs import first_apt_error, run_program
from dockwise.debian.debfile import deb_meta
from dockwise.debian.releases import Release
from dockwise.debian.tar_tree import FILE, Entry, Tree

# Like Debian's own slim images: dpkg skips docs (but keeps copyright), man pages and translations, now and for
# every package a Dockerfile installs later.
DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
"""
DPKG_CFG = "etc/dpkg/dpkg.cfg.d/dockwise-slim"
APT_CFG = "etc/apt/apt.conf.d/docker-clean"
_CLEAN = "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"
APT_CLEAN = f"""\
DPkg::Post-Invoke {{ "{_CLEAN}"; }};
APT::Update::Post-Invoke {{ "{_CLEAN}"; }};
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
"""

MMDEBSTRAP_TIMEOUT_S = 1800


def _pip_hook(epoch: int) -> str:
    """Install pip into /usr/local from the wheel Debian ships for venvs (python3-pip-whl, in the lock), offline.

    Like python:X-slim, that pip has a RECORD, so `pip install -U pip` works; Debian's python3-pip cannot upgrade
    itself. SOURCE_DATE_EPOCH makes the .pyc files hash-based, hence reproducible.
    """
    return (
        f'rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED && chroot "$1" env SOURCE_DATE_EPOCH={epoch} sh -c '
        '\'wheel=$(echo /usr/share/python-wheels/pip-*.whl) && python3 "$wheel/pip" install --quiet --no-index '
        '--no-cache-dir --disable-pip-version-check --root-user-action=ignore "$wheel"\''
    )


_DROP = re.compile(
    r"^(dev/.+|proc/.+|sys/.+|run/.+|tmp/.+"
    r"|var/lib/apt/lists/.+|var/cache/apt/.+|var/cache/debconf/.+-old|var/cache/ldconfig/aux-cache"
    r"|var/lib/dpkg/.+-old|var/log/.+|etc/machine-id|etc/hostname|etc/resolv\.conf"
    r"|etc/apt/sources\.list|etc/apt/sources\.list\.d/.+"
    r"|etc/apt/apt\.conf\.d/99mmdebstrap|etc/dpkg/dpkg\.cfg\.d/99mmdebstrap"
    r"|usr/share/(man|groff|info|lintian|linda|locale)/.+"
    r"|usr/lib/python3\.\d+/EXTERNALLY-MANAGED)$"
)


def _dropped(path: str) -> bool:
    if _DROP.match(path):
        return True
    return path.startswith("usr/share/doc/") and path.count("/") >= 4 and not path.endswith("/copyright")


def _sources(release: Release) -> str:
    stanzas: dict[str, list[str]] = {}
    for suite in release.suites:
        # plain http like Debian's own images: apt checks signatures, and TLS-intercepting proxies stay out of it
        stanzas.setdefault(suite.mirror.replace("https://", "http://"), []).append(suite.name)
    return "\n".join(
        f"Types: deb\nURIs: {mirror}\nSuites: {' '.join(names)}\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        for mirror, names in stanzas.items()
    )


def _local_repo(debs: list[Path], repo: Path, codename: str, arch: str) -> None:
    """A trusted local archive (one suite, `main`, Debian architecture `arch`) holding exactly the locked .debs, so
    apt can choose nothing else."""
    index = repo / "dists" / codename / "main" / f"binary-{arch}"
    pool = repo / "pool"
    index.mkdir(parents=True)
    pool.mkdir()
    paragraphs = []
    for deb in sorted(debs):
        (pool / deb.name).symlink_to(deb)
        control = Deb822(deb_meta(deb).control)
        control["Filename"] = f"pool/{deb.name}"
        control["Size"] = str(deb.stat().st_size)
        control["SHA256"] = hashlib.sha256(deb.read_bytes()).hexdigest()
        paragraphs.append(control.dump())
    packages = "\n".join(paragraphs).encode()
    (index / "Packages").write_bytes(packages)
    (repo / "dists" / codename / "Release").write_text(
        f"Suite: {codename}\nCodename: {codename}\nArchitectures: {arch}\nComponents: main\nSHA256:\n"
        f" {hashlib.sha256(packages).hexdigest()} {len(packages)} main/binary-{arch}/Packages\n"
    )


def slim_tree(
    release: Release,
    debs: list[Path],
    names: tuple[str, ...],
    epoch: int,
    workdir: Path,
    platform: Platform = DEFAULT_PLATFORM,
) -> Tree:
    """Install the locked package set with mmdebstrap (SOURCE_DATE_EPOCH set), then trim it into a layer tree. For
    a foreign `platform`, dpkg's maintainer scripts and the pip hook run under emulation (binfmt_misc + qemu)."""
    repo = workdir / "repo"
    repo.mkdir()
    _local_repo(debs, repo, release.codename, platform.architecture)
    setup = workdir / "dpkg.cfg"
    setup.write_text(DPKG_EXCLUDES)
    out = workdir / "rootfs.tar"
    command = [
        "mmdebstrap",
        "--quiet",
        "--mode=root",
        "--variant=essential",
        f"--architectures={platform.architecture}",
        "--format=tar",
        f"--include={','.join(sorted(names))}",
        '--aptopt=Acquire::Languages "none"',
        '--setup-hook=mkdir -p "$1/etc/dpkg/dpkg.cfg.d"',
        f"--setup-hook=upload {setup} /{DPKG_CFG}",
        *(f"--hook-dir={hook}" for hook in release.mmdebstrap_hooks),
        f"--customize-hook={_pip_hook(epoch)}",
        release.codename,
        str(out),
        f"deb [trusted=yes] copy://{repo} {release.codename} main",
    ]
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch), LC_ALL="C.UTF-8")
    fix = "rerun with the cache intact; if it persists run `dockwise base --update-lock`"
    # the first E: line names the cause; the last one only says "mmdebstrap failed to run"
    run_program(command, tool="mmdebstrap", timeout=MMDEBSTRAP_TIMEOUT_S, env=env, fix=fix, summary=first_apt_error)
    if not out.is_file():
        raise DockwiseError("mmdebstrap wrote no root filesystem tar", fix)
    tree = Tree()
    with tarfile.open(out) as archive:
        tree.add_tar(archive, lambda p: None if _dropped(p) else p)
    out.unlink()
    _check_installed(tree, names)
    tree.add(Entry("etc/apt/sources.list.d/debian.sources", FILE, 0o644, mtime=epoch, data=_sources(release).encode()))
    tree.add(Entry(APT_CFG, FILE, 0o644, mtime=epoch, data=APT_CLEAN.encode()))
    return tree


def _check_installed(tree: Tree, names: tuple[str, ...]) -> None:
    status = tree.entries.get("var/lib/dpkg/status")
    installed = set(re.findall(r"^Package: (\S+)$", status.data.decode(), re.M)) if status else set()
    if installed != set(names):
        extra, missing = sorted(installed - set(names)), sorted(set(names) - installed)
        raise DockwiseError(
            f"slim base differs from the lock (extra: {', '.join(extra[:5]) or '-'}; "
            f"missing: {', '.join(missing[:5]) or '-'})",
            "run `dockwise base --update-lock`",
        )


def slim_config(
    release: Release, diff_id: str, created: str, labels: dict[str, str], platform: Platform = DEFAULT_PLATFORM
) -> dict:
    """Like python:X-slim: CMD ["python3"], LANG=C.UTF-8, root."""
    return {
        **platform.oci(),
        "created": created,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
            "Cmd": ["python3"],
            "Labels": labels,
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": f"dockwise base: Debian {release.version} slim (mmdebstrap)"}],
    }
