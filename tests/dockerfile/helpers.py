"""Test vocabulary, in the spirit of hadolint's `ruleCatches`/`ruleCatchesNot`."""

from __future__ import annotations

from pathlib import Path

from dockwise.core.findings import Finding
from dockwise.core.rules import example_bytes
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.lint import lint_text


def make_context(root: Path, files: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> BuildContext:
    for path, content in files:
        target = root / path
        if path.endswith("/"):  # a directory
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(example_bytes(content))
    return BuildContext.load(root, root / "Dockerfile")


def lint(text: str, root: Path | None = None, files=(), **kwargs) -> list[Finding]:
    context = make_context(root, files) if root is not None else None
    return lint_text(text, "Dockerfile", context=context, **kwargs)


def rule_ids(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}
