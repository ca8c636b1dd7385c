"""The archive's signed index: InRelease verified with gpgv, then Packages files checked against it."""

from __future__ import annotations

import hashlib
import lzma
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from debian.deb822 import Packages
from debian.deb822 import Release as ReleaseFile
from debian.debian_support import Version

from dockwise.core.errors import DockwiseError
from dockwise.core.platform import ARCH
from dockwise.core.programs import run_program
from dockwise.debian.host_tools import KEYRING
from dockwise.debian.releases import Suite

TIMEOUT_S = 60
COMPONENT = "main"


@dataclass(frozen=True)
class PackageRecord:
    """One binary package as the verified index describes it; everything the lock needs to fetch and check it."""

    name: str
    version: str
    arch: str
    sha256: str
    size: int
    url: str  # mirror + pool path
    suite: str

    @property
    def deb_name(self) -> str:
        return f"{self.name}_{self.version.replace(':', '%3a')}_{self.arch}.deb"


@dataclass(frozen=True)
class SignedSuite:
    """A suite whose InRelease passed gpgv: its date and the sha256 of each index file it lists."""

    suite: Suite
    date: str
    inrelease_sha256: str
    files: dict[str, str]  # path under dists/<suite>/ -> sha256


def fetch(url: str) -> bytes:
    """GET `url`; an unreachable archive or HTTP error becomes a one-line DockwiseError."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DockwiseError(f"{url} answered HTTP {exc.code}", _ARCHIVE_FIX) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DockwiseError(f"Debian archive unreachable: {url} ({reason})", _ARCHIVE_FIX) from None


_ARCHIVE_FIX = "check the network path to deb.debian.org, then rerun"


def verified_suite(suite: Suite) -> SignedSuite:
    """Download `InRelease` and verify its signature with Debian's archive keyring; refuse anything gpgv rejects."""
    raw = fetch(f"{suite.mirror}/dists/{suite.name}/InRelease")
    with tempfile.TemporaryDirectory(prefix="dockwise-gpgv-") as tmp:
        signed = Path(tmp, "InRelease")
        signed.write_bytes(raw)
        result = run_program(
            ["gpgv", "--keyring", str(KEYRING), "--output", "-", str(signed)], tool="gpgv", timeout=60, check=False
        )
    if result.returncode != 0:
        detail = result.tail(1) or ["no output"]
        raise DockwiseError(
            f"signature check of {suite.mirror}/dists/{suite.name}/InRelease failed (gpgv exit {result.returncode}): "
            f"{detail[0]}",
            f"update debian-archive-keyring ({KEYRING}), or check for a tampering proxy",
        )
    release = ReleaseFile(result.stdout)
    files = {entry["name"]: entry["sha256"] for entry in release.get("SHA256", [])}
    return SignedSuite(suite, release.get("Date", ""), hashlib.sha256(raw).hexdigest(), files)


def package_index(signed: SignedSuite, arch: str = ARCH) -> dict[str, PackageRecord]:
    """The suite's `main` Packages for Debian architecture `arch`, checked against the signed InRelease, by package
    name."""
    path = f"{COMPONENT}/binary-{arch}/Packages.xz"
    expected = signed.files.get(path)
    if expected is None:
        raise DockwiseError(f"{signed.suite.name} InRelease lists no {path}", "the archive layout changed; report it")
    raw = fetch(f"{signed.suite.mirror}/dists/{signed.suite.name}/{path}")
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected:
        raise DockwiseError(
            f"{signed.suite.name}/{path} has sha256 {actual[:16]}…, InRelease says {expected[:16]}…",
            "the mirror was mid-update or tampered with; rerun in a few minutes",
        )
    records: dict[str, PackageRecord] = {}
    for paragraph in Packages.iter_paragraphs(lzma.decompress(raw).decode("utf-8", "replace"), use_apt_pkg=False):
        record = PackageRecord(
            name=paragraph["Package"],
            version=paragraph["Version"],
            arch=paragraph["Architecture"],
            sha256=paragraph["SHA256"],
            size=int(paragraph["Size"]),
            url=f"{signed.suite.mirror}/{paragraph['Filename']}",
            suite=signed.suite.name,
        )
        known = records.get(record.name)
        if known is None or Version(record.version) > Version(known.version):
            records[record.name] = record
    return records
