"""CycloneDX SBOM: Debian packages and Python distributions, validated against the CycloneDX 1.6 JSON schema."""

from __future__ import annotations

import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from dockwise.image import collect
from dockwise.image.sbom import sbom_json
from tests.image.archives import F, docker_save, image_config, layer

STATUS = (
    b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.41-12\n\n"
    b"Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2025b-4\n"
)
DISTROLESS_STATUS_D = b"Package: libssl3t64\nArchitecture: amd64\nVersion: 3.5.1-1\n"


def _facts(tmp_path):
    layers = [
        layer(
            F("usr/lib/os-release", b'ID=debian\nVERSION_ID="13"\n'),
            F("var/lib/dpkg/status", STATUS),
            F("var/lib/dpkg/status.d/libssl3t64", DISTROLESS_STATUS_D),
            F("var/lib/dpkg/status.d/libssl3t64.md5sums", b"abc  usr/lib/x\n"),
            F(
                "usr/lib/python3/dist-packages/typing_extensions-4.16.0.dist-info/METADATA",
                b"Name: typing_extensions\n",
            ),
            F("app/.venv/lib/python3.13/site-packages/Flask-3.1.3.dist-info/METADATA", b"Name: Flask\n"),
        )
    ]
    path = docker_save(layers, image_config(layers), tags=("demo/sbom:1",)).write_tar(tmp_path / "s.tar")
    return collect(str(path), gzip_size=False)


def test_sbom_validates_against_the_cyclonedx_schema(tmp_path):
    document = sbom_json(_facts(tmp_path))
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(document)
    assert errors is None, errors


def test_sbom_lists_debian_and_python_components_with_purls(tmp_path):
    document = json.loads(sbom_json(_facts(tmp_path)))
    purls = sorted(c["purl"] for c in document["components"])
    assert purls == [
        "pkg:deb/debian/libc6@2.41-12?arch=amd64&distro=debian-13",
        "pkg:deb/debian/libssl3t64@3.5.1-1?arch=amd64&distro=debian-13",
        "pkg:deb/debian/tzdata@2025b-4?arch=all&distro=debian-13",
        "pkg:pypi/flask@3.1.3",
        "pkg:pypi/typing-extensions@4.16.0",
    ]
    assert document["metadata"]["component"]["name"] == "demo/sbom:1"
    assert document["specVersion"] == "1.6"


def test_the_validator_rejects_a_broken_document(tmp_path):
    document = json.loads(sbom_json(_facts(tmp_path)))
    document["components"][0]["type"] = "not-a-type"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document)) is not None
