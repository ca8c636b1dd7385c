"""What `dockwise init` prints: each decision with its evidence, warnings, and what the user still has to do.

Every string from the app is printed through `one_line` (no escape sequence reaches the terminal, no name forges a
line), and the build command the user copies names a valid image reference, quoted for the shell.
"""

from __future__ import annotations

import shlex

from dockwise.pyapp.bases import BASES
from dockwise.pyapp.detect import AppFacts
from dockwise.pyapp.grammar import image_name, one_line


def summary(facts: AppFacts, written: list[str], dry_run: bool) -> str:
    bases = BASES[facts.python.version]
    width = max(len(d.topic) for d in facts.decisions)
    lines = [f"dockwise init: {one_line(str(facts.root))}", ""]
    lines += [
        f"  {d.topic:<{width}}  {one_line(d.value)}\n  {'':<{width}}    from {one_line(d.evidence)}"
        for d in facts.decisions
    ]
    for note in facts.notes:
        lines.append(f"  note: {one_line(note)}")
    for warning in facts.warnings:
        lines.append(f"  warning: {one_line(warning)}")
    lines.append("")
    verb = "would write" if dry_run else "wrote"
    lines.append(f"{verb}: {', '.join(written)}")
    lines.append("build (dockwise's local bases, no registry):")
    for variant, dockerfile in (("standard", "Dockerfile"), ("distroless", "Dockerfile.distroless")):
        args = " ".join(f"--build-arg {k}={v}" for k, v in bases.local_build_args(variant).items())
        lines.append(
            f"  DOCKER_BUILDKIT=1 docker build -f {dockerfile} {args} \\\n"
            f"      --secret id=cacert,src=/etc/ssl/certs/ca-certificates.crt "
            f"-t {shlex.quote(image_name(facts.name) + ':' + variant)} ."
        )
    if facts.todo:
        lines += ["", "still to do:"] + [f"  - {one_line(item)}" for item in facts.todo]
    return "\n".join(lines) + "\n"
