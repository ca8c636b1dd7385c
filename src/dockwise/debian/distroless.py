"""The distroless base: each layer the data.tar of hand-listed .debs plus generated files, like
gcr.io/distroless/python3-debian<N> (static -> base -> cc -> python3), in full or lean (see profiles.py). No
maintainer script runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import DEFAULT_PLATFORM, Platform
from dockwise.core.programs import run_program
from dockwise.debian.debfile import add_data, deb_meta
from dockwise.debian.profiles import Profile
from dockwise.debian.releases import CA_PACKAGE, Release
from dockwise.debian.tar_tree import DIR, FILE, SYMLINK, Entry, Tree

NONROOT_UID = 65532
CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"
CA_COPYRIGHT = f"usr/share/doc/{CA_PACKAGE}/copyright"
CA_SOURCE = "usr/share/ca-certificates/"
USR_ALIASES = ("bin", "sbin", "lib", "lib64")
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
)
GROUP = "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n"
NSSWITCH = (
    "passwd:         compat\ngroup:          compat\nshadow:         compat\ngshadow:        files\n\n"
    "hosts:          files dns\nnetworks:       files\n\n"
    "protocols:      db files\nservices:       db files\nethers:         db files\nrpc:            db files\n\n"
    "netgroup:       nis\n"
)


@dataclass(frozen=True)
class DistrolessLayer:
    """One layer's name, the packages it unpacks and the tree it became."""

    name: str
    packages: tuple[str, ...]
    tree: Tree


def _merged_usr(path: str) -> str | None:
    """trixie is merged-/usr: /bin, /lib… are symlinks into /usr, so package paths under them move to /usr."""
    head, _, rest = path.partition("/")
    if head in USR_ALIASES:
        return f"usr/{path}" if rest else None
    return path


def _os_release(release: Release) -> str:
    return (
        'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\n'
        f'VERSION_ID="{release.version}"\nVERSION="Debian GNU/Linux {release.version} ({release.codename})"\n'
        "HOME_URL=https://github.com/GoogleContainerTools/distroless\n"
    )


def _text(path: str, content: str, mode: int = 0o644, epoch: int = 0) -> Entry:
    return Entry(path, FILE, mode, mtime=epoch, data=content.encode())


def _static_files(release: Release, ca: Tree, epoch: int) -> list[Entry]:
    entries = [
        Entry("etc", DIR, 0o755, mtime=epoch),
        _text("etc/passwd", PASSWD, epoch=epoch),
        _text("etc/group", GROUP, epoch=epoch),
        _text("etc/nsswitch.conf", NSSWITCH, epoch=epoch),
        _text("usr/lib/os-release", _os_release(release), epoch=epoch),
        Entry("root", DIR, 0o700, mtime=epoch),
        Entry("home", DIR, 0o755, mtime=epoch),
        Entry("home/nonroot", DIR, 0o700, NONROOT_UID, NONROOT_UID, mtime=epoch),
        Entry("tmp", DIR, 0o1777, mtime=epoch),
        Entry(CA_BUNDLE, FILE, 0o644, mtime=epoch, data=_ca_bundle(ca)),
    ]
    if release.merged_usr:
        entries += [Entry(alias, SYMLINK, 0o777, mtime=epoch, target=f"usr/{alias}") for alias in USR_ALIASES]
    return entries


def _ca_tree(ca_deb: Path) -> Tree:
    """The ca-certificates package's files: it is not unpacked into the image, its certificates are (and, lean,
    its copyright)."""
    tree = Tree()
    add_data(tree, ca_deb)
    if CA_COPYRIGHT not in tree.entries or not _certificates(tree):
        raise DockwiseError(f"{ca_deb} holds no certificates or no copyright file", "run `dockwise base --update-lock`")
    return tree


def _ca_bundle(ca: Tree) -> bytes:
    """Every certificate the ca-certificates package ships, concatenated in path order (update-ca-certificates is
    not run)."""
    certs = [ca.entries[p].data for p in _certificates(ca)]
    return b"".join(cert if cert.endswith(b"\n") else cert + b"\n" for cert in certs)


def _certificates(ca: Tree) -> list[str]:
    return sorted(p for p, e in ca.entries.items() if p.startswith(CA_SOURCE) and e.kind == FILE)


def _status_d(tree: Tree, deb: Path, epoch: int, listed: Callable[[str], bool] | None = None) -> None:
    """/var/lib/dpkg/status.d/<pkg> (+ .md5sums): how scanners find packages in an image without dpkg. With
    `listed`, md5sums keeps only the files it accepts."""
    meta = deb_meta(deb)
    tree.add(_text(f"var/lib/dpkg/status.d/{meta.name}", meta.control, epoch=epoch))
    md5sums = meta.md5sums if listed is None else _kept_md5sums(meta.md5sums, listed)
    if md5sums:
        tree.add(Entry(f"var/lib/dpkg/status.d/{meta.name}.md5sums", FILE, 0o644, mtime=epoch, data=md5sums))


def _kept_md5sums(md5sums: bytes, listed: Callable[[str], bool]) -> bytes:
    """The lines of an md5sums file ("<md5>  <path>") whose path `listed` accepts."""
    lines = md5sums.splitlines(keepends=True)
    return b"".join(line for line in lines if listed(line.rstrip(b"\n").partition(b"  ")[2].decode()))


def _present_in(tree: Tree, rename: Callable[[str], str | None]) -> Callable[[str], bool]:
    def present(path: str) -> bool:
        target = rename(path)
        return target is not None and target in tree.entries

    return present


def distroless_layers(release: Release, debs: dict[str, Path], epoch: int, profile: Profile) -> list[DistrolessLayer]:
    """The distroless layers of `profile`, in order. Each package is unpacked once, in the first layer that lists
    it; lean ones say in md5sums only what they ship."""
    moved = _merged_usr if release.merged_usr else (lambda p: p)

    def rename(path: str) -> str | None:
        target = moved(path)
        return target if target is not None and profile.keeps(target) else None

    placed: set[str] = set()
    layers = []
    for name, packages in profile.packages(release):
        tree = Tree()
        own = tuple(p for p in packages if p not in placed)
        placed.update(own)
        listed = _present_in(tree, rename) if profile.lean else None
        for package in own:
            add_data(tree, debs[package], rename)
            _status_d(tree, debs[package], epoch, listed)
        if name == "static":
            ca = _ca_tree(debs[CA_PACKAGE])
            if profile.lean:  # every package with a status.d record has its licence in the image
                tree.add(ca.entries[CA_COPYRIGHT])
            _status_d(tree, debs[CA_PACKAGE], epoch, listed)
            for entry in _static_files(release, ca, epoch):
                tree.add(entry, override=True)
        if name == "python3":
            _add_python_aliases(tree, release, epoch)
        layers.append(DistrolessLayer(name, own, tree))
    if release.ld_so_cache:
        layers[-1].tree.add(Entry("etc/ld.so.cache", FILE, 0o644, mtime=epoch, data=_ld_so_cache(layers)))
    return layers


def _add_python_aliases(tree: Tree, release: Release, epoch: int) -> None:
    for alias in ("python", "python3"):
        tree.add(Entry(f"usr/bin/{alias}", SYMLINK, 0o777, mtime=epoch, target=f"/usr/bin/python{release.python}"))


def _ld_so_cache(layers: list[DistrolessLayer]) -> bytes:
    """Run the image's own (static) ldconfig against the assembled root, as distroless does for debian13, so that
    ctypes.util.find_library works without a shell."""
    with tempfile.TemporaryDirectory(prefix="dockwise-ldconfig-") as tmp:
        root = Path(tmp)
        for layer in layers:
            _materialize(layer.tree, root)
        ldconfig = next((root / p for p in ("usr/sbin/ldconfig", "sbin/ldconfig") if (root / p).is_file()), None)
        if ldconfig is None:
            raise DockwiseError("libc-bin in the lock has no ldconfig", "run `dockwise base --update-lock`")
        run_program(
            [str(ldconfig), "-r", str(root)], tool="ldconfig", timeout=120, fix="build as root (ldconfig -r chroots)"
        )
        cache = root / "etc/ld.so.cache"
        if not cache.is_file():
            raise DockwiseError("ldconfig wrote no /etc/ld.so.cache", "build as root (ldconfig -r chroots)")
        return cache.read_bytes()


def _materialize(tree: Tree, root: Path) -> None:
    for path in sorted(tree.entries):
        entry = tree.entries[path]
        target = root / path
        if entry.kind == DIR:
            if not target.is_symlink():
                target.mkdir(parents=True, exist_ok=True)
        elif entry.kind == SYMLINK:
            if not target.is_symlink() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(entry.target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            target.write_bytes(entry.data)
            target.chmod(entry.mode & 0o777)


def distroless_config(
    release: Release,
    diff_ids: list[str],
    layer_notes: list[str],
    nonroot: bool,
    created: str,
    labels: dict[str, str],
    platform: Platform = DEFAULT_PLATFORM,
) -> dict:
    """The image config: ENTRYPOINT python3.X, LANG, SSL_CERT_FILE; :nonroot runs as 65532 in /home/nonroot."""
    return {
        **platform.oci(),
        "created": created,
        "config": {
            "Env": [PATH_ENV, f"SSL_CERT_FILE=/{CA_BUNDLE}", "LANG=C.UTF-8"],
            "Entrypoint": [f"/usr/bin/python{release.python}"],
            "User": str(NONROOT_UID) if nonroot else "0",
            "WorkingDir": "/home/nonroot" if nonroot else "/",
            "Labels": labels,
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": created, "created_by": note} for note in layer_notes],
    }
