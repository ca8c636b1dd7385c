"""`dockwise deploy`: Compose or Kubernetes manifests for an image, under the hardened run profile, self-checked
against the restricted Pod Security Standard before they are written."""

from __future__ import annotations

from dockwise.deploy.manifests import dns_name, image_contract, manifest
from dockwise.deploy.pod_security import violations
from dockwise.image import collect


def deploy_manifest(
    image: str, fmt: str, *, name: str | None = None, port: int | None = None, health_path: str | None = None
) -> str:
    """The manifest text for `image` (an engine image, an archive or a layout)."""
    facts = collect(image, gzip_size=False)
    reference = facts.tags[0] if facts.tags else image
    contract = image_contract(facts, reference, port=port, health_path=health_path)
    text, documents = manifest(contract, fmt, name=name or dns_name(reference), image=reference)
    if fmt != "compose":
        broken = violations(documents[0]["spec"]["template"]["spec"])
        if broken:  # the manifest is ours: this is a bug, not the user's mistake
            raise AssertionError(f"generated Deployment breaks the restricted profile: {broken}")
    return text
