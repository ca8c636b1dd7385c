"""The SBOM: Debian packages and Python distributions with their licences, as CycloneDX 1.6 JSON and SPDX 2.3 JSON,
each validated against its schema (SPDX's vendored: tests/image/spdx-schema-2.3.SOURCE.md)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from dockwise.image import collect
from dockwise.image.sbom import sbom_json, spdx_json
from tests.image.archives import F, docker_save, image_config, layer

SPDX_SCHEMA = jsonschema.Draft7Validator(
    json.loads((Path(__file__).parent / "spdx-schema-2.3.json").read_text()),
    format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
)
LICENCES = Path(__file__).resolve().parents[1] / "fixtures" / "licences"

STATUS = (
    b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.41-12\n\n"
    b"Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2025b-4\n"
)
DISTROLESS_STATUS_D = b"Package: libssl3t64\nArchitecture: amd64\nVersion: 3.5.1-1\n"


def _facts(tmp_path, *, licences: bool = True):
    jinja = "app/.venv/lib/python3.13/site-packages/jinja2-3.1.6.dist-info/"
    layers = [
        layer(
            F("usr/lib/os-release", b'ID=debian\nVERSION_ID="13"\n'),
            F("var/lib/dpkg/status", STATUS),
            F("var/lib/dpkg/status.d/libssl3t64", DISTROLESS_STATUS_D),
            F("var/lib/dpkg/status.d/libssl3t64.md5sums", b"abc  usr/lib/x\n"),
            F("usr/share/doc/libssl3t64/copyright", (LICENCES / "debian" / "libssl3t64").read_bytes()),
            F("usr/share/doc/tzdata/copyright", (LICENCES / "debian" / "media-types").read_bytes()),
            # A doc directory that links to another package's of the same source, as libgcc-s1 -> gcc-14-base.
            F("usr/share/doc/libc-shared", kind="dir"),
            F("usr/share/doc/libc-shared/copyright", (LICENCES / "debian" / "netbase").read_bytes()),
            F("usr/share/doc/libc6", kind="symlink", link="libc-shared"),
            F(
                "usr/lib/python3/dist-packages/typing_extensions-4.16.0.dist-info/METADATA",
                b"Name: typing_extensions\n",
            ),
            F("app/.venv/lib/python3.13/site-packages/Flask-3.1.3.dist-info/METADATA", b"Name: Flask\n"),
            F(jinja + "METADATA", (LICENCES / "python" / "jinja2-3.1.6.METADATA").read_bytes()),
            F(jinja + "licenses/LICENSE.txt", (LICENCES / "python" / "jinja2-3.1.6.LICENSE.txt").read_bytes()),
        )
    ]
    path = docker_save(layers, image_config(layers), tags=("demo/sbom:1",)).write_tar(tmp_path / "s.tar")
    return collect(str(path), gzip_size=False, licences=licences)


EXPECTED_LICENCES = {
    "libc6": "GPL-2.0-only",  # through the linked doc directory
    "libssl3t64": "Apache-2.0 AND (Artistic-1.0-Perl OR GPL-1.0-or-later)",
    "tzdata": "LicenseRef-ad-hoc",
    "jinja2": "BSD-3-Clause",  # the "BSD License" classifier, told apart by the licence file
}


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
        "pkg:pypi/jinja2@3.1.6",
        "pkg:pypi/typing-extensions@4.16.0",
    ]
    assert document["metadata"]["component"]["name"] == "demo/sbom:1"
    assert document["specVersion"] == "1.6"


def test_the_validator_rejects_a_broken_document(tmp_path):
    document = json.loads(sbom_json(_facts(tmp_path)))
    document["components"][0]["type"] = "not-a-type"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document)) is not None


def test_cyclonedx_components_carry_their_licence_expression(tmp_path):
    document = json.loads(sbom_json(_facts(tmp_path)))
    licences = {
        c["name"]: [entry["expression"] for entry in c["licenses"]] for c in document["components"] if "licenses" in c
    }
    assert licences == {name: [spdx] for name, spdx in EXPECTED_LICENCES.items()}
    assert {e["acknowledgement"] for c in document["components"] for e in c.get("licenses", [])} == {"declared"}


def test_spdx_validates_against_the_spdx_schema(tmp_path):
    document = json.loads(spdx_json(_facts(tmp_path)))
    assert list(SPDX_SCHEMA.iter_errors(document)) == []
    assert document["spdxVersion"] == "SPDX-2.3"
    # SPDX 2.3.1's schema spells out the identifier syntax the 2.3 text gives in prose.
    assert all(re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", p["SPDXID"]) for p in document["packages"])
    declared = {p["name"]: p["licenseDeclared"] for p in document["packages"]}
    assert {name: declared[name] for name in EXPECTED_LICENCES} == EXPECTED_LICENCES
    assert declared["Flask"] == "NOASSERTION"
    [root] = [p for p in document["packages"] if p.get("primaryPackagePurpose") == "CONTAINER"]
    contained = {r["relatedSpdxElement"] for r in document["relationships"] if r["spdxElementId"] == root["SPDXID"]}
    assert contained == {p["SPDXID"] for p in document["packages"]} - {root["SPDXID"]}
    refs = [p["referenceLocator"] for p in document["packages"] for p in p.get("externalRefs", [])]
    assert "pkg:pypi/jinja2@3.1.6" in refs


def test_spdx_declares_every_licence_ref_it_uses(tmp_path):
    document = json.loads(spdx_json(_facts(tmp_path), created=datetime(2026, 1, 2, tzinfo=UTC)))
    assert document["creationInfo"]["created"] == "2026-01-02T00:00:00Z"
    declared = {info["licenseId"] for info in document["hasExtractedLicensingInfos"]}
    assert declared == {"LicenseRef-ad-hoc"}


def test_the_spdx_validator_rejects_a_broken_document(tmp_path):
    document = json.loads(spdx_json(_facts(tmp_path)))
    del document["packages"][1]["downloadLocation"]  # required by SPDX 2.3
    assert list(SPDX_SCHEMA.iter_errors(document))


def test_without_licences_inspect_reads_no_licence_files(tmp_path):
    facts = _facts(tmp_path, licences=False)
    assert [p.licence for p in facts.debian_packages] == [None] * len(facts.debian_packages)
    assert [d.licence for d in facts.python_distributions] == [None] * len(facts.python_distributions)
    assert "licenses" not in json.dumps(json.loads(sbom_json(facts))["components"])


def test_licence_files_have_their_own_budget_and_never_crowd_out_the_facts(tmp_path, monkeypatch):
    """Copyright files stored before /etc/passwd and the dpkg status, beyond the licence budget: the user and the
    packages are still read, and the licences that fit are kept (the rest stay unknown, not guessed)."""
    from dockwise.image import layer_index

    netbase = (LICENCES / "debian" / "netbase").read_bytes()
    monkeypatch.setattr(layer_index, "LICENCE_LIMIT", len(netbase) + 10)
    copyrights = [F(f"usr/share/doc/{name}/copyright", netbase) for name in ("libc6", "libssl3t64", "tzdata")]
    layers = [
        layer(*copyrights),
        layer(
            F("etc/passwd", b"root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000::/home/app:/sbin/nologin\n"),
            F("var/lib/dpkg/status", STATUS),
            F("var/lib/dpkg/status.d/libssl3t64", DISTROLESS_STATUS_D),
        ),
    ]
    config = image_config(layers, User="app")
    path = docker_save(layers, config, tags=("demo/sbom:2",)).write_tar(tmp_path / "b.tar")
    facts = collect(str(path), licences=True)
    assert facts.user.uid == 1000
    assert [(p.name, p.licence) for p in facts.debian_packages] == [
        ("libc6", "GPL-2.0-only"),
        ("libssl3t64", None),
        ("tzdata", None),
    ]
