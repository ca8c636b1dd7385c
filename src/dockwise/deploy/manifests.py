"""Compose and Kubernetes manifests for one service image: its service contract, read from the image, emitted by
`dockwise.service.compose` and `dockwise.service.kubernetes` (the same constraints the probes ran it under)."""

from __future__ import annotations

import re

from dockwise.image.facts import ImageFacts
from dockwise.service.compose import compose_document, to_yaml
from dockwise.service.contract import ServiceContract, check_name, contract_from_image
from dockwise.service.kubernetes import kubernetes_documents
from dockwise.service.profile import HARDENED, RunProfile


def image_contract(
    facts: ImageFacts,
    image: str,
    *,
    port: int | None = None,
    health_path: str | None = None,
    profile: RunProfile = HARDENED,
) -> ServiceContract:
    """The contract of `image`; a DockwiseError (exit 2) when the image cannot satisfy the restricted profile or one
    of its dockwise labels is not a valid value."""
    return contract_from_image(
        reference=image,
        exposed_ports=facts.exposed_ports,
        image_labels=facts.labels,
        uid=facts.user.uid,
        gid=facts.user.gid,
        configured_user=facts.user.configured,
        health_path=health_path or facts.health_path(),
        port=port,
        profile=profile,
    )


def dns_name(image: str) -> str:
    """A DNS-1123 label from the image's repository name (`dockwise/webapp:standard` -> `webapp`)."""
    repository = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    label = re.sub(r"[^a-z0-9-]+", "-", repository.lower()).strip("-")[:63].strip("-")
    return label or "service"


def manifest(contract: ServiceContract, fmt: str, *, name: str, image: str) -> tuple[str, list[dict]]:
    """The manifest text in `fmt` (`compose` or `kubernetes`) and its documents."""
    check_name(name)
    documents = (
        [compose_document(contract, name=name, image=image)]
        if fmt == "compose"
        else kubernetes_documents(contract, name=name, image=image)
    )
    return to_yaml(documents), documents
