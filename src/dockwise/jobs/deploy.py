"""`dockwise deploy`: Compose or Kubernetes manifests for an image, under the hardened run profile, self-checked
against the restricted Pod Security Standard before they are written."""

from __future__ import annotations

from dockwise.deploy.manifests import compose, kubernetes, service_spec, to_yaml
from dockwise.deploy.pod_security import violations
from dockwise.image import collect


def deploy_manifest(
    image: str, fmt: str, *, name: str | None = None, port: int | None = None, health_path: str | None = None
) -> str:
    """The manifest text for `image` (an engine image, an archive or a layout)."""
    facts = collect(image, gzip_size=False)
    spec = service_spec(facts, facts.tags[0] if facts.tags else image, name=name, port=port, health_path=health_path)
    if fmt == "compose":
        return to_yaml(compose(spec))
    documents = kubernetes(spec)
    broken = violations(documents[0]["spec"]["template"]["spec"])
    if broken:  # the manifest is ours: this is a bug, not the user's mistake
        raise AssertionError(f"generated Deployment breaks the restricted profile: {broken}")
    return to_yaml(documents)
