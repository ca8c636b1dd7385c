"""The tiny vocabulary of check tests: an image from inline layers, and what one check says about it."""

from __future__ import annotations

import tempfile
from importlib import import_module
from pathlib import Path

from dockwise.core.findings import Finding
from dockwise.core.rules import Rule
from dockwise.image import collect
from dockwise.image.checks import run_checks
from dockwise.image.facts import ImageFacts
from tests.image.archives import F, docker_save, image_config, layer

PASSWD = F("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/false\n")


def image(
    *layers: bytes, tags: tuple[str, ...] = ("test/image:1",), history: list[str] | None = None, **config
) -> ImageFacts:
    """Facts of a docker-save archive made of `layers` (default: one layer with /etc/passwd) and this config."""
    layers = layers or (layer(PASSWD),)
    with tempfile.TemporaryDirectory() as directory:
        path = docker_save(list(layers), image_config(list(layers), history=history, **config), tags).write_tar(
            Path(directory) / "image.tar"
        )
        return collect(str(path), gzip_size=False)


def findings(module: str, facts: ImageFacts) -> list[Finding]:
    """What one check reports about `facts`, as findings (the rule's fix and severity applied)."""
    return run_checks(facts, rules=[Rule.from_module(import_module(f"dockwise.image.checks.{module}"))])


__all__ = ["PASSWD", "F", "findings", "image", "layer"]
