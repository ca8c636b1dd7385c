"""What `dockwise init` prints: each decision with its evidence, warnings, and what the user still has to do."""

from __future__ import annotations

from dockwise.pyapp.bases import BASES
from dockwise.pyapp.detect import AppFacts


def summary(facts: AppFacts, written: list[str], dry_run: bool) -> str:
    bases = BASES[facts.python.version]
    width = max(len(d.topic) for d in facts.decisions)
    lines = [f"dockwise init: {facts.root}", ""]
    lines += [f"  {d.topic:<{width}}  {d.value}\n  {'':<{width}}    from {d.evidence}" for d in facts.decisions]
    for note in facts.notes:
        lines.append(f"  note: {note}")
    for warning in facts.warnings:
        lines.append(f"  warning: {warning}")
    lines.append("")
    verb = "would write" if dry_run else "wrote"
    lines.append(f"{verb}: {', '.join(written)}")
    lines.append("build (dockwise's local bases, no registry):")
    for variant, dockerfile in (("standard", "Dockerfile"), ("distroless", "Dockerfile.distroless")):
        args = " ".join(f"--build-arg {k}={v}" for k, v in bases.local_build_args(variant).items())
        lines.append(
            f"  DOCKER_BUILDKIT=1 docker build -f {dockerfile} {args} \\\n"
            f"      --secret id=cacert,src=/etc/ssl/certs/ca-certificates.crt -t {facts.name.lower()}:{variant} ."
        )
    if facts.todo:
        lines += ["", "still to do:"] + [f"  - {item}" for item in facts.todo]
    return "\n".join(lines) + "\n"
