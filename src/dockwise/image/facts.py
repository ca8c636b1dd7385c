"""Facts about a built image, from its config and its final filesystem view (`dockwise.image.collect` reads them).

Everything here is computed from the verified layers alone: no container runs, no engine is needed for archives.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from dockwise.core.knowledge import (
    BYTECODE,
    SECRET_VALUE,
    is_package_file,
    is_secret_file,
    is_secret_name,
    junk_label,
    junk_part,
)
from dockwise.image.deb822 import dpkg_paragraphs
from dockwise.image.filesystem import FileSystem
from dockwise.image.layer_index import DIR, FILE, HARDLINK, SYMLINK
from dockwise.image.sources import RawImage
from dockwise.service.contract import tcp_ports

LIST_LIMIT = 50
"""Long path lists (waste items, writable app files) keep the largest/first LIST_LIMIT; the counts stay exact."""

SHELLS = ("sh", "bash", "dash", "ash", "zsh", "ksh", "busybox")
BIN_DIRS = ("bin", "usr/bin", "sbin", "usr/sbin", "usr/local/bin")
PACKAGE_MANAGERS = {
    "apt": ("usr/bin/apt-get", "usr/bin/apt"),
    "dpkg": ("usr/bin/dpkg",),
    "apk": ("sbin/apk", "usr/bin/apk"),
    "dnf": ("usr/bin/dnf", "usr/bin/yum", "usr/bin/microdnf"),
}
APP_DIR_CANDIDATES = ("app", "srv/app", "usr/src/app", "opt/app", "code")
_HEALTH_URL = re.compile(r"https?://[^/\s'\"]+(/[^\s'\"#]*)?")
_PYTHON_LIB = re.compile(r"^(?:usr/(?:local/)?lib)/python(3\.\d+)/os\.py$")
_DIST_INFO = re.compile(r"^(.*/(?:site|dist)-packages)/([^/]+?)-([^/-]+)\.dist-info/METADATA$")


@dataclass(frozen=True)
class LayerFacts:
    index: int
    diff_id: str
    size_bytes: int
    compressed_bytes: int | None
    file_count: int
    created_by: str
    created: str | None


@dataclass(frozen=True)
class UserFacts:
    configured: str
    name: str | None
    uid: int | None
    gid: int | None
    is_root: bool


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    path: str
    licence: str | None = None
    """SPDX expression from its METADATA; read only when collected with `licences` (the SBOM), else None."""


@dataclass(frozen=True)
class DebianPackage:
    name: str
    version: str
    architecture: str
    source: str | None
    licence: str | None = None
    """SPDX expression from /usr/share/doc/NAME/copyright; read only when collected with `licences`, else None."""


@dataclass(frozen=True)
class CacheFacts:
    kind: str
    files: int
    bytes: int
    example: str


@dataclass(frozen=True)
class WasteItem:
    path: str
    bytes: int
    stored_in_layer: int
    hidden_by_layer: int
    reason: str
    created_by: str


@dataclass(frozen=True)
class WasteByLayer:
    layer: int
    bytes: int
    created_by: str


@dataclass(frozen=True)
class WasteFacts:
    reclaimable_bytes: int
    reclaimable_ratio: float
    items_total: int
    items: tuple[WasteItem, ...]
    by_hiding_layer: tuple[WasteByLayer, ...]


@dataclass(frozen=True)
class SecretFacts:
    env: tuple[str, ...]
    files: tuple[str, ...]
    private_keys: tuple[str, ...]

    def count(self) -> int:
        return len(self.env) + len(self.files) + len(self.private_keys)


@dataclass(frozen=True)
class ImageFacts:
    """Everything `inspect` knows about one image. `as_dict()` has stable keys (the JSON output)."""

    reference: str
    source: str
    id: str
    tags: tuple[str, ...]
    created: str | None
    architecture: str | None
    os: str | None
    os_release: dict[str, str]
    size_bytes: int
    compressed_bytes: int | None
    layers: tuple[LayerFacts, ...]
    file_count: int
    debian_packages: tuple[DebianPackage, ...]
    user: UserFacts
    workdir: str
    env: dict[str, str]
    exposed_ports: tuple[str, ...]
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    exec_form: bool
    healthcheck: dict | None
    labels: dict[str, str]
    shells: tuple[str, ...]
    package_managers: tuple[str, ...]
    python_versions: tuple[str, ...]
    python_releases: tuple[str, ...]
    python_distributions: tuple[Distribution, ...]
    setuid_files: tuple[str, ...]
    setgid_files: tuple[str, ...]
    world_writable: tuple[str, ...]
    app_dirs: tuple[str, ...]
    app_file_count: int
    app_junk: tuple[str, ...]
    app_writable_count: int
    app_writable: tuple[str, ...]
    secrets: SecretFacts
    caches: tuple[CacheFacts, ...]
    waste: WasteFacts

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["debian_package_count"] = len(self.debian_packages)
        data["layer_count"] = len(self.layers)
        return data

    def claims_distroless(self) -> bool:
        """The image says it is distroless: in a tag, its reference, or a label value."""
        texts = [self.reference, *self.tags, *self.labels.values()]
        return any("distroless" in text.lower() for text in texts)

    def service_port(self) -> int | None:
        """The lowest TCP port the image exposes."""
        return next(iter(tcp_ports(self.exposed_ports)), None)

    def health_path(self) -> str | None:
        """The HTTP path the image's own HEALTHCHECK probes (`http://127.0.0.1:5000/healthz` -> `/healthz`)."""
        return healthcheck_path(self.healthcheck)


def healthcheck_path(healthcheck: dict | None) -> str | None:
    """The URL path a HEALTHCHECK command requests (`http://127.0.0.1:5000/healthz` -> `/healthz`, a bare host -> `/`),
    or None when it names no URL."""
    test = (healthcheck or {}).get("Test") or []
    found = _HEALTH_URL.search(" ".join(str(part) for part in test[1:]))
    return (found.group(1) or "/") if found else None


def facts_from(raw: RawImage, fs: FileSystem, *, reference: str) -> ImageFacts:
    config = raw.config
    history = _layer_history(raw)
    user = _user(config.user, fs)
    workdir = config.workdir
    app_dirs = _app_dirs(fs, workdir)
    writable = sorted(_app_writable(fs, app_dirs, user))
    env = _env(config.env)
    entrypoint, cmd = config.entrypoint, config.cmd
    size = sum(layer.tar_size for layer in raw.layers)
    python_versions = tuple(
        sorted({m.group(1) for p in fs.nodes if p.endswith("/os.py") and (m := _PYTHON_LIB.match(p))})
    )
    packages = _debian_packages(fs)
    compressed = [layer.compressed_size for layer in raw.layers]
    return ImageFacts(
        reference=reference,
        source=raw.source.describe(),
        id=raw.id,
        tags=tuple(raw.tags),
        created=config.created,
        architecture=config.architecture,
        os=config.os,
        os_release=_os_release(fs),
        size_bytes=size,
        compressed_bytes=None if any(c is None for c in compressed) else sum(c for c in compressed if c is not None),
        layers=tuple(
            LayerFacts(
                index=number,
                diff_id=layer.diff_id,
                size_bytes=layer.tar_size,
                compressed_bytes=layer.compressed_size,
                file_count=sum(1 for e in layer.listing.entries if e.kind in (FILE, HARDLINK, SYMLINK)),
                created_by=history[number][0],
                created=history[number][1],
            )
            for number, layer in enumerate(raw.layers)
        ),
        file_count=sum(1 for node in fs.nodes.values() if node.entry.kind in (FILE, HARDLINK, SYMLINK)),
        debian_packages=packages,
        user=user,
        workdir=workdir,
        env=env,
        exposed_ports=config.exposed_ports,
        entrypoint=entrypoint,
        cmd=cmd,
        exec_form=_exec_form(entrypoint or cmd),
        healthcheck=config.healthcheck,
        labels=config.labels,
        shells=_shells(fs),
        package_managers=_package_managers(fs),
        python_versions=python_versions,
        python_releases=_python_releases(python_versions, packages, env),
        python_distributions=_distributions(fs),
        setuid_files=_mode_files(fs, 0o4000),
        setgid_files=_mode_files(fs, 0o2000),
        world_writable=_world_writable(fs),
        app_dirs=tuple("/" + d for d in app_dirs),
        app_file_count=sum(1 for d in app_dirs for n in fs.under(d) if n.entry.kind != DIR),
        app_junk=_app_junk(fs, app_dirs),
        app_writable_count=len(writable),
        app_writable=tuple(writable[:LIST_LIMIT]),
        secrets=_secrets(fs, env),
        caches=_caches(fs, app_dirs, python_versions),
        waste=_waste(fs, history, size),
    )


def _layer_history(raw: RawImage) -> list[tuple[str, str | None]]:
    """(created_by, created) per layer: the history entries that are not `empty_layer`, in order."""
    entries = [h for h in raw.config.history if not h.empty_layer]
    if len(entries) != len(raw.layers):
        return [("", None)] * len(raw.layers)
    return [(h.created_by, h.created) for h in entries]


def _env(items: tuple[str, ...]) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in items)
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def _exec_form(command: tuple[str, ...] | None) -> bool:
    return (
        command is not None
        and bool(command)
        and list(command[:2]) not in (["/bin/sh", "-c"], ["sh", "-c"], ["/bin/bash", "-c"])
    )


def _text(fs: FileSystem, path: str) -> str:
    return fs.captured.get(path, b"").decode("utf-8", "replace")


def _os_release(fs: FileSystem) -> dict[str, str]:
    text = _text(fs, "etc/os-release") or _text(fs, "usr/lib/os-release")
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("ID", "VERSION_ID", "PRETTY_NAME", "VERSION_CODENAME"):
            fields[key.strip().lower()] = value.strip().strip('"')
    return dict(sorted(fields.items()))


def _passwd(fs: FileSystem) -> list[list[str]]:
    return [line.split(":") for line in _text(fs, "etc/passwd").splitlines() if line.count(":") >= 6]


def _user(configured: str, fs: FileSystem) -> UserFacts:
    user, _, group = configured.partition(":")
    rows = _passwd(fs)
    name: str | None = None
    uid: int | None = None
    gid: int | None = None
    if not user:
        user = "0"
    if user.isdigit():
        uid = int(user)
        row = next((r for r in rows if r[2] == user), None)
    else:
        row = next((r for r in rows if r[0] == user), None)
        uid = int(row[2]) if row and row[2].isdigit() else None
    if row:
        name = row[0]
        gid = int(row[3]) if row[3].isdigit() else None
    if group:
        gid = int(group) if group.isdigit() else _group_id(fs, group)
    return UserFacts(configured, name, uid, gid, uid == 0)


def _group_id(fs: FileSystem, group: str) -> int | None:
    for line in _text(fs, "etc/group").splitlines():
        parts = line.split(":")
        if len(parts) >= 3 and parts[0] == group and parts[2].isdigit():
            return int(parts[2])
    return None


def _debian_packages(fs: FileSystem) -> tuple[DebianPackage, ...]:
    texts = [_text(fs, "var/lib/dpkg/status")]
    texts += [_text(fs, path) for path in sorted(fs.captured) if path.startswith("var/lib/dpkg/status.d/")]
    packages = {}
    licences: dict[str, str | None] = {}
    for text in texts:
        for para in dpkg_paragraphs(text):
            status = para.get("Status", "install ok installed")
            if not para.get("Package") or not status.endswith(" installed"):
                continue
            source = para.get("Source")
            name = para["Package"]
            copyright_file = fs.resolve(f"usr/share/doc/{name}/copyright")
            if copyright_file is not None and copyright_file not in licences:  # one file may serve several packages
                licences[copyright_file] = _debian_licence(fs, copyright_file)
            package = DebianPackage(
                name,
                para.get("Version", ""),
                para.get("Architecture", ""),
                source.split()[0] if source else None,
                licences.get(copyright_file) if copyright_file is not None else None,
            )
            packages[(package.name, package.architecture)] = package
    return tuple(sorted(packages.values(), key=lambda p: (p.name, p.architecture)))


def _debian_licence(fs: FileSystem, copyright_file: str) -> str | None:
    """The licence a package's copyright file gives (its doc directory may link to another package's of the same
    source), when the file was captured."""
    data = fs.captured.get(copyright_file)
    if data is None:
        return None
    from dockwise.image.licences import debian_licence

    return debian_licence(data.decode("utf-8", "replace"))


def _python_releases(
    versions: tuple[str, ...], packages: tuple[DebianPackage, ...], env: dict[str, str]
) -> tuple[str, ...]:
    """The full release of each Python found: from Debian's python3.X-minimal package, or the PYTHON_VERSION
    that python:* images set; the bare X.Y when neither says."""
    by_name = {p.name: p.version for p in packages}
    releases = []
    for minor in versions:
        version = by_name.get(f"python{minor}-minimal") or by_name.get(f"libpython{minor}-minimal")
        if version:
            upstream = version.split(":", 1)[-1]  # drop a Debian epoch, then the Debian revision
            releases.append(re.split(r"[-+~]", upstream, maxsplit=1)[0])
        elif env.get("PYTHON_VERSION", "").startswith(minor + "."):
            releases.append(env["PYTHON_VERSION"])
        else:
            releases.append(minor)
    return tuple(releases)


def _shells(fs: FileSystem) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for directory in BIN_DIRS:
        for shell in SHELLS:
            path = f"{directory}/{shell}"
            target = fs.resolve(path)
            if target is not None and fs.is_file(target):
                found.setdefault(target, "/" + path)
    return tuple(sorted(set(found.values())))


def _package_managers(fs: FileSystem) -> tuple[str, ...]:
    present = [name for name, paths in PACKAGE_MANAGERS.items() if any(fs.is_file(p) for p in paths)]
    pip_binary = any(fs.is_file(f"{d}/pip{v}") for d in ("usr/bin", "usr/local/bin") for v in ("", "3"))
    pip_module = any(p.endswith(("-packages/pip/__init__.py", "-packages/pip/__main__.py")) for p in fs.nodes)
    if pip_binary or pip_module:
        present.append("pip")
    return tuple(present)


def _distributions(fs: FileSystem) -> tuple[Distribution, ...]:
    found = []
    for path in fs.nodes:
        match = _DIST_INFO.match(path) if path.endswith("/METADATA") else None
        if match:
            licence = _python_licence(fs, path) if path in fs.captured else None
            found.append(Distribution(match.group(2), match.group(3), "/" + match.group(1), licence))
    return tuple(sorted(found, key=lambda d: (d.name.lower(), d.version, d.path)))


def _python_licence(fs: FileSystem, metadata: str) -> str | None:
    """The licence a captured METADATA declares, its dist-info's licence files deciding an unspecific classifier."""
    from dockwise.image.licences import python_licence

    directory = metadata[: -len("METADATA")]
    texts = [
        data.decode("utf-8", "replace")
        for path, data in fs.captured.items()
        if path.startswith(directory) and path != metadata
    ]
    return python_licence(fs.captured[metadata].decode("utf-8", "replace"), texts)


def _mode_files(fs: FileSystem, bit: int) -> tuple[str, ...]:
    return tuple(sorted("/" + n.entry.path for n in fs.files() if n.entry.mode & bit))


def _world_writable(fs: FileSystem) -> tuple[str, ...]:
    paths = []
    for node in fs.nodes.values():
        entry = node.entry
        if entry.kind not in (FILE, DIR) or not entry.mode & 0o002:
            continue  # symlinks are always 0777; device nodes (/dev/null) are meant to be shared
        if entry.kind == DIR and entry.mode & 0o1000:
            continue  # sticky directories such as /tmp are meant to be shared
        paths.append("/" + entry.path)
    return tuple(sorted(paths))


def _app_dirs(fs: FileSystem, workdir: str) -> list[str]:
    """The WORKDIR (unless it is /) and the usual application directories, as resolved paths that are directories."""
    candidates = [workdir.strip("/")] if workdir.strip("/") else []
    candidates += APP_DIR_CANDIDATES
    found: list[str] = []
    for candidate in candidates:
        target = fs.resolve(candidate)
        if target and target not in found and (fs.listdir(target) or _is_dir(fs, target)):
            found.append(target)
    return found


def _app_junk(fs: FileSystem, app_dirs: list[str]) -> tuple[str, ...]:
    """Build-context files the app does not need at run time (the seed's "copy only necessary files")."""
    junk = set()
    for directory in app_dirs:
        for node in fs.under(directory):
            part = junk_part(node.entry.path[len(directory) + 1 :])
            if part is not None and junk_label(part) not in BYTECODE:  # the image's own compileall made it
                junk.add(f"/{directory}/{part}")
    return tuple(sorted(junk)[:LIST_LIMIT])


def _is_dir(fs: FileSystem, path: str) -> bool:
    node = fs.nodes.get(path)
    return node is not None and node.entry.kind == DIR


def _app_writable(fs: FileSystem, app_dirs: list[str], user: UserFacts) -> set[str]:
    writable = set()
    for directory in app_dirs:
        for node in fs.under(directory):
            entry = node.entry
            if entry.kind == SYMLINK:
                continue
            if (
                user.uid == 0
                or (entry.uid == user.uid and entry.mode & 0o200)
                or (user.gid is not None and entry.gid == user.gid and entry.mode & 0o020)
                or entry.mode & 0o002
            ):
                writable.add("/" + entry.path)
    return writable


def _secrets(fs: FileSystem, env: dict[str, str]) -> SecretFacts:
    env_names = tuple(sorted(k for k in env if is_secret_name(k) or SECRET_VALUE.search(env[k])))
    files = [
        "/" + path
        for path, node in fs.nodes.items()
        if node.entry.kind == FILE and not is_package_file(path) and is_secret_file(path, fs.captured.get(path))
    ]
    return SecretFacts(env_names, tuple(sorted(files)), tuple("/" + p for p in fs.private_keys))


def _cache_kind(path: str, app_dirs: list[str], pyc_tags: tuple[str, ...]) -> str | None:
    if "/.cache/pip/" in "/" + path:
        return "pip-cache"
    if path.startswith("var/lib/apt/lists/") and path != "var/lib/apt/lists/lock" and "/partial/" not in path:
        return "apt-lists"
    if path.startswith("var/cache/apt/") and path.endswith((".deb", ".bin")):
        return "apt-archives"
    if "/.git/" in "/" + path:
        return "git"
    if "/__pycache__/" in path and any(path.startswith(d + "/") for d in app_dirs) and not path.endswith(pyc_tags):
        return "pycache-in-app"  # bytecode for another interpreter: copied from the build context, never used
    if "/.cache/" in "/" + path or "/.npm/" in "/" + path:
        return "other-cache"
    return None


def _caches(fs: FileSystem, app_dirs: list[str], python_versions: tuple[str, ...]) -> tuple[CacheFacts, ...]:
    """Leftover caches. Bytecode that the image's own Python compiled (e.g. `python -m compileall` at build time,
    for a faster start) is kept on purpose and not counted."""
    pyc_tags = tuple(f".cpython-{v.replace('.', '')}.pyc" for v in python_versions) or ("\0",)
    found: dict[str, list] = {}
    for node in fs.files():
        kind = _cache_kind(node.entry.path, app_dirs, pyc_tags)
        if kind is None:
            continue
        slot = found.setdefault(kind, [0, 0, "/" + node.entry.path])
        slot[0] += 1
        slot[1] += node.entry.size
    return tuple(CacheFacts(kind, files, size, example) for kind, (files, size, example) in sorted(found.items()))


def _waste(fs: FileSystem, history: list[tuple[str, str | None]], image_size: int) -> WasteFacts:
    total = sum(h.size for h in fs.hidden)
    biggest = sorted(fs.hidden, key=lambda h: (-h.size, h.path))[:LIST_LIMIT]
    by_layer: dict[int, int] = {}
    for h in fs.hidden:
        by_layer[h.hidden_by] = by_layer.get(h.hidden_by, 0) + h.size
    return WasteFacts(
        reclaimable_bytes=total,
        reclaimable_ratio=round(total / image_size, 4) if image_size else 0.0,
        items_total=len(fs.hidden),
        items=tuple(
            WasteItem("/" + h.path, h.size, h.layer, h.hidden_by, h.reason, history[h.hidden_by][0]) for h in biggest
        ),
        by_hiding_layer=tuple(WasteByLayer(layer, size, history[layer][0]) for layer, size in sorted(by_layer.items())),
    )
