"""SBOM of an image: Debian packages (dpkg status / status.d) and Python distributions (dist-info), each with its
licence as an SPDX expression (dockwise.image.licences), as CycloneDX 1.6 JSON or SPDX 2.3 JSON.

The facts must be collected with `licences=True` (`collect(image, licences=True)`), else every licence is unknown.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from dockwise.image.facts import ImageFacts
from dockwise.image.licences import LICENCE_REF

FORMATS = ("cyclonedx-json", "spdx-json")
"""`dockwise sbom --format`; the first is the default."""


@dataclass(frozen=True)
class Component:
    """One package of the image, as both formats describe it."""

    ecosystem: str  # "deb" or "pypi"
    name: str
    version: str
    purl: str
    ref: str
    licence: str | None


def sbom_document(facts: ImageFacts, fmt: str = FORMATS[0]) -> str:
    """The image's SBOM in `fmt` (one of FORMATS)."""
    return spdx_json(facts) if fmt == "spdx-json" else sbom_json(facts)


def components(facts: ImageFacts) -> list[Component]:
    """The image's Debian packages, then its Python distributions (one per name, version and location)."""
    from packageurl import PackageURL

    distro = _distro_qualifier(facts)
    found = []
    for package in facts.debian_packages:
        qualifiers = {"arch": package.architecture} if package.architecture else {}
        if distro:
            qualifiers["distro"] = distro
        purl = PackageURL(
            type="deb", namespace="debian", name=package.name, version=package.version, qualifiers=qualifiers
        )
        ref = f"deb:{package.name}:{package.architecture}"
        found.append(Component("deb", package.name, package.version, purl.to_string(), ref, package.licence))
    seen: set[str] = set()
    for dist in facts.python_distributions:
        ref = f"pypi:{dist.name}:{dist.version}:{dist.path}"
        if ref in seen:
            continue
        seen.add(ref)
        purl = PackageURL(type="pypi", name=dist.name.lower().replace("_", "-"), version=dist.version)
        found.append(Component("pypi", dist.name, dist.version, purl.to_string(), ref, dist.licence))
    return found


def sbom_json(facts: ImageFacts) -> str:
    """The image's CycloneDX 1.6 JSON document; a licence is the SPDX expression the package declares.

    Written as plain JSON: importing and running cyclonedx-python-lib's serialiser cost more than reading the image
    (benchmarks/bench_sbom.py); the tests hold the output to the CycloneDX 1.6 schema with that library's validator.
    """
    root = {"bom-ref": facts.id, "name": _image_name(facts), "type": "container", "version": facts.id}
    listed = []
    for found in components(facts):
        component: dict = {"bom-ref": found.ref, "name": found.name, "type": "library", "version": found.version}
        if found.licence:
            component["licenses"] = [{"acknowledgement": "declared", "expression": found.licence}]
        component["purl"] = found.purl
        listed.append(component)
    document = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {"timestamp": datetime.now(UTC).isoformat(), "component": root},
        "components": listed,
        "dependencies": [
            {"ref": facts.id, "dependsOn": [c["bom-ref"] for c in listed]},
            *({"ref": c["bom-ref"]} for c in listed),
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def spdx_json(facts: ImageFacts, *, created: datetime | None = None) -> str:
    """The image's SPDX 2.3 JSON document: the image as a CONTAINER package that CONTAINS each component, whose
    declared licence is its SPDX expression (NOASSERTION when unknown). Every LicenseRef used is declared in
    hasExtractedLicensingInfos, as SPDX requires."""
    from dockwise import __version__

    when = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    root_id = "SPDXRef-image"
    packages: list[dict] = [
        {
            "SPDXID": root_id,
            "name": _image_name(facts),
            "versionInfo": facts.id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
        }
    ]
    relationships = [
        {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": root_id}
    ]
    refs: dict[str, set[str]] = {}
    for number, found in enumerate(components(facts), 1):
        spdx_id = f"SPDXRef-{found.ecosystem}-{number}-{re.sub(r'[^A-Za-z0-9.-]+', '-', found.name)}"
        packages.append(
            {
                "SPDXID": spdx_id,
                "name": found.name,
                "versionInfo": found.version,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": False,
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": found.licence or "NOASSERTION",
                "copyrightText": "NOASSERTION",
                "primaryPackagePurpose": "LIBRARY",
                "externalRefs": [
                    {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": found.purl}
                ],
            }
        )
        relationships.append({"spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": spdx_id})
        for ref in re.findall(re.escape(LICENCE_REF) + r"[A-Za-z0-9.-]+", found.licence or ""):
            refs.setdefault(ref, set()).add(found.name)
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": _image_name(facts),
        "documentNamespace": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'dockwise-sbom:{facts.id}:{when}')}",
        "creationInfo": {"created": when, "creators": [f"Tool: dockwise-{__version__}"]},
        "packages": packages,
        "relationships": relationships,
    }
    if refs:
        document["hasExtractedLicensingInfos"] = [
            {
                "licenseId": ref,
                "name": ref[len(LICENCE_REF) :],
                "extractedText": (
                    f"A licence without an SPDX identifier, named {ref[len(LICENCE_REF) :]!r} by the package "
                    f"metadata of {', '.join(sorted(users))}; its text is in that metadata "
                    "(/usr/share/doc/PACKAGE/copyright for a Debian package)."
                ),
            }
            for ref, users in sorted(refs.items())
        ]
    return json.dumps(document, indent=2) + "\n"


def _image_name(facts: ImageFacts) -> str:
    return facts.tags[0] if facts.tags else facts.reference


def _distro_qualifier(facts: ImageFacts) -> str | None:
    release = facts.os_release
    if release.get("id") and release.get("version_id"):
        return f"{release['id']}-{release['version_id']}"
    return None
