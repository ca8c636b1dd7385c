"""The signed index: gpgv accepts Debian's real InRelease and rejects a tampered one; a Packages file that does not
match the signed checksum is refused. Served from a loopback HTTP server (the real InRelease fetched once)."""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.request

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.debian.index import package_index, verified_suite
from dockwise.debian.releases import MAIN_MIRROR, Suite


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A loopback mirror with dists/good (Debian's trixie InRelease as is) and dists/bad (one byte changed)."""
    root = tmp_path_factory.mktemp("mirror")
    with urllib.request.urlopen(f"{MAIN_MIRROR}/dists/trixie/InRelease", timeout=60) as response:
        signed = response.read()
    for suite, body in (("good", signed), ("bad", signed.replace(b"Origin: Debian", b"Origin: Debiam", 1))):
        (root / "dists" / suite / "main" / "binary-amd64").mkdir(parents=True)
        (root / "dists" / suite / "InRelease").write_bytes(body)
        (root / "dists" / suite / "main" / "binary-amd64" / "Packages.xz").write_bytes(b"not the signed index")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.network
def test_real_inrelease_passes_gpgv(mirror):
    signed = verified_suite(Suite(mirror, "good"))
    assert "main/binary-amd64/Packages.xz" in signed.files
    assert signed.date


@pytest.mark.network
def test_tampered_inrelease_is_refused(mirror):
    with pytest.raises(DockwiseError) as caught:
        verified_suite(Suite(mirror, "bad"))
    assert "signature check" in caught.value.one_line() and "dists/bad/InRelease" in caught.value.one_line()


@pytest.mark.network
def test_packages_not_matching_inrelease_is_refused(mirror):
    signed = verified_suite(Suite(mirror, "good"))
    with pytest.raises(DockwiseError) as caught:
        package_index(signed)
    assert "InRelease says" in caught.value.one_line()


@pytest.mark.network
def test_missing_suite_is_one_line(mirror):
    with pytest.raises(DockwiseError) as caught:
        verified_suite(Suite(mirror, "nosuch"))
    assert "HTTP 404" in caught.value.one_line()
