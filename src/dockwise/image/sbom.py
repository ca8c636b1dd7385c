"""CycloneDX SBOM of an image: Debian packages (dpkg status / status.d) and Python distributions (dist-info)."""

from __future__ import annotations

from dockwise.image.facts import ImageFacts


def sbom_json(facts: ImageFacts) -> str:
    """The image's CycloneDX 1.6 JSON document (cyclonedx-python-lib builds and serialises it)."""
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    distro = _distro_qualifier(facts)
    root = Component(
        name=facts.tags[0] if facts.tags else facts.reference,
        version=facts.id,
        type=ComponentType.CONTAINER,
        bom_ref=facts.id,
    )
    bom = Bom()
    bom.metadata.component = root
    for package in facts.debian_packages:
        qualifiers = {"arch": package.architecture} if package.architecture else {}
        if distro:
            qualifiers["distro"] = distro
        purl = PackageURL(
            type="deb", namespace="debian", name=package.name, version=package.version, qualifiers=qualifiers
        )
        component = Component(
            name=package.name,
            version=package.version,
            type=ComponentType.LIBRARY,
            purl=purl,
            bom_ref=f"deb:{package.name}:{package.architecture}",
        )
        bom.components.add(component)
        bom.register_dependency(root, [component])
    seen: set[str] = set()
    for dist in facts.python_distributions:
        ref = f"pypi:{dist.name}:{dist.version}:{dist.path}"
        if ref in seen:
            continue
        seen.add(ref)
        purl = PackageURL(type="pypi", name=dist.name.lower().replace("_", "-"), version=dist.version)
        component = Component(name=dist.name, version=dist.version, type=ComponentType.LIBRARY, purl=purl, bom_ref=ref)
        bom.components.add(component)
        bom.register_dependency(root, [component])
    return JsonV1Dot6(bom).output_as_string(indent=2)


def _distro_qualifier(facts: ImageFacts) -> str | None:
    release = facts.os_release
    if release.get("id") and release.get("version_id"):
        return f"{release['id']}-{release['version_id']}"
    return None
