"""The project's own base images (built by `dockwise base`, which `make test` runs first), audited from the engine."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from dockwise.image import collect
from dockwise.image.checks import run_checks
from dockwise.image.deb822 import dpkg_paragraphs

SLIM = "dockwise/python:3.13-slim"
DISTROLESS = "dockwise/distroless-python3-debian13:nonroot"
pytestmark = pytest.mark.engine


def _collect(docker_client, ref: str):
    from docker.errors import ImageNotFound

    try:
        docker_client.images.get(ref)
    except ImageNotFound:
        pytest.fail(f"{ref} is not in the engine: run `dockwise base` (make test does)")
    return collect(ref, gzip_size=True)  # the size test compares gzip -6 figures


@pytest.fixture(scope="module")
def slim(docker_client):
    return _collect(docker_client, SLIM)


@pytest.fixture(scope="module")
def distroless(docker_client):
    return _collect(docker_client, DISTROLESS)


def test_slim_has_a_shell_apt_and_runs_as_root(slim):
    assert "/bin/sh" in slim.shells or "/bin/bash" in slim.shells
    assert {"apt", "dpkg"} <= set(slim.package_managers)
    assert slim.python_versions == ("3.13",) and slim.os_release["version_id"] == "13"
    assert slim.user.is_root and len(slim.debian_packages) > 50
    assert {"DI001", "DI003", "DI004"} <= {f.rule for f in run_checks(slim)}


def test_slim_setuid_files_are_reported(slim):
    """The real counterpart of DI005's anti-pattern, which BuildKit 0.8 cannot build from a Dockerfile alone."""
    assert "/usr/bin/su" in slim.setuid_files
    [finding] = [f for f in run_checks(slim) if f.rule == "DI005"]
    count = len(set(slim.setuid_files) | set(slim.setgid_files))
    assert finding.message.startswith(f"{count} setuid/setgid file(s): ")


def test_distroless_has_no_shell_no_package_manager_and_a_nonroot_user(distroless):
    assert distroless.shells == () and distroless.package_managers == ()
    assert distroless.user.uid == 65532 and not distroless.user.is_root
    assert distroless.python_versions == ("3.13",)
    assert any(p.name == "libc6" for p in distroless.debian_packages)
    rules = {f.rule for f in run_checks(distroless)}
    assert not rules & {"DI001", "DI003", "DI004", "DI006"}


def test_distroless_is_smaller_than_slim(slim, distroless):
    assert distroless.size_bytes < slim.size_bytes
    assert distroless.compressed_bytes < slim.compressed_bytes < slim.size_bytes


def test_dpkg_parser_agrees_with_python_debian_on_the_real_status_file(docker_client, tmp_path):
    from debian.deb822 import Deb822

    archive = tmp_path / "slim.tar"
    with archive.open("wb") as handle:
        for chunk in docker_client.images.get(SLIM).save(named=True):
            handle.write(chunk)
    status = ""
    with tarfile.open(archive) as outer:
        for member in outer:
            if member.name.endswith("layer.tar"):
                with tarfile.open(fileobj=outer.extractfile(member)) as inner:
                    for name in ("var/lib/dpkg/status", "./var/lib/dpkg/status"):
                        if name in inner.getnames():
                            status = inner.extractfile(name).read().decode("utf-8")
    assert "Package: libc6" in status
    ours = [(p.get("Package"), p.get("Version")) for p in dpkg_paragraphs(status)]
    theirs = [(p.get("Package"), p.get("Version")) for p in Deb822.iter_paragraphs(status.splitlines())]
    assert ours == theirs


def test_sbom_of_a_real_image_validates(distroless):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from dockwise.image.sbom import sbom_json

    document = sbom_json(distroless)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document) is None
    purls = [c["purl"] for c in json.loads(document)["components"]]
    assert any(p.startswith("pkg:deb/debian/libc6@") for p in purls)
    assert len(purls) == len(distroless.debian_packages) + len(distroless.python_distributions)


def _licensed(docker_client, ref: str, tmp_path):
    """The SBOM facts of `ref` (saved once, read as an archive), our counts and syft's on the same archive (None
    without the bench extra)."""
    from dockwise.image.sbom import sbom_json
    from tests.image.syft import cyclonedx_counts, syft_binary, syft_counts

    archive = tmp_path / "image.tar"
    with archive.open("wb") as handle:
        for chunk in docker_client.images.get(ref).save(named=True):
            handle.write(chunk)
    facts = collect(f"docker-archive:{archive}", licences=True)
    binary = syft_binary()
    theirs = syft_counts(binary, archive) if binary is not None else None
    return facts, cyclonedx_counts(json.loads(sbom_json(facts))), theirs


def test_sbom_licences_of_the_distroless_base(docker_client, distroless, tmp_path):
    """Every Debian package of the base gets its licence (syft 1.18.1 finds one for each of these 28 too, and the
    count is compared with syft's in this run when the bench extra is installed), as valid SPDX in both formats."""
    import jsonschema
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packaging.licenses import canonicalize_license_expression

    from dockwise.image.sbom import sbom_json, spdx_json

    facts, ours, theirs = _licensed(docker_client, DISTROLESS, tmp_path)
    assert len(facts.debian_packages) == len(distroless.debian_packages) >= 20
    assert [p.name for p in facts.debian_packages if not p.licence] == []
    assert all(canonicalize_license_expression(p.licence) == p.licence for p in facts.debian_packages)
    by_name = {p.name: p.licence for p in facts.debian_packages}
    assert by_name["zlib1g"] == "Zlib" and "GPL-3.0-or-later" in by_name["libgcc-s1"]
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(sbom_json(facts)) is None
    schema = json.loads((Path(__file__).parent / "spdx-schema-2.3.json").read_text())
    assert list(jsonschema.Draft7Validator(schema).iter_errors(json.loads(spdx_json(facts)))) == []
    if theirs is not None:
        assert ours.components == theirs.components and ours.licensed >= theirs.licensed
    assert ours.licensed == ours.components == len(facts.debian_packages)


def test_sbom_licences_of_the_slim_base(docker_client, tmp_path):
    """The slim base's 100 or so packages: a licence for each (syft 1.18.1: 95 of 100 on 2026-12-07; libcrypt1's
    free-text "version 2.1 (or, at your option, any later version)" is one it misses), at least syft's count."""
    facts, ours, theirs = _licensed(docker_client, SLIM, tmp_path)
    assert len(facts.debian_packages) > 50
    assert [p.name for p in facts.debian_packages if not p.licence] == []
    assert {d.name: d.licence for d in facts.python_distributions}.get("pip") == "MIT"
    if theirs is not None:
        assert ours.components == theirs.components and ours.licensed >= theirs.licensed
