"""Seed practice 1, "a slim base, not the full image", judged from the Debian packages an image holds."""

from __future__ import annotations

from dockwise.image.practices import SLIM_PACKAGE_LIMIT, judge
from tests.image.checks.helpers import PASSWD, F, image, layer


def _status_file(count: int) -> F:
    stanzas = "\n".join(
        f"Package: pkg{n}\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n" for n in range(count)
    )
    return F("var/lib/dpkg/status", stanzas.encode())


def _minimal_base(count: int) -> str:
    facts = image(layer(PASSWD, F("bin/sh", b"#!shell", mode=0o755), _status_file(count)))
    assert len(facts.debian_packages) == count
    return next(v.status for v in judge(facts) if v.practice == "minimal-base")


def test_a_slim_sized_base_passes_even_with_a_shell():
    assert _minimal_base(SLIM_PACKAGE_LIMIT) == "pass"


def test_a_full_sized_base_fails():
    assert _minimal_base(SLIM_PACKAGE_LIMIT + 1) == "fail"
