"""The seed's eight practices (shared/seed/docker-best-practices.md), judged from the built image's facts."""

from __future__ import annotations

from dataclasses import dataclass

from dockwise.image.facts import ImageFacts

PASS, PARTIAL, FAIL = "pass", "partial", "fail"
SLIM_PACKAGE_LIMIT = 150
"""python:3.x-slim has about a hundred Debian packages, the full python:3.x image about four hundred."""


@dataclass(frozen=True)
class Verdict:
    """One practice for one image: pass, partial or fail, and the facts that decided it."""

    practice: str
    title: str
    status: str
    evidence: str


def judge(facts: ImageFacts, runtime: dict | None = None) -> tuple[Verdict, ...]:
    """All eight verdicts, in the seed's order. `runtime` (RuntimeFacts.as_dict()) refines the non-root verdict."""
    return (
        _minimal_base(facts),
        _workdir(facts),
        _only_needed_files(facts),
        _dockerignore(facts),
        _no_pip_cache(facts),
        _expose(facts),
        _exec_form(facts),
        _non_root(facts, runtime),
    )


def _minimal_base(facts: ImageFacts) -> Verdict:
    """The seed's practice is "slim, not the full image": a slim-sized base passes; what a slim base still carries
    (a shell, a package manager) is shown here and has its own rows in the comparison, where distroless differs."""
    count = len(facts.debian_packages)
    evidence = (
        f"{count} Debian packages; shells: {', '.join(facts.shells) or 'none'}; "
        f"package managers: {', '.join(facts.package_managers) or 'none'}"
    )
    status = PASS if count <= SLIM_PACKAGE_LIMIT else FAIL
    return Verdict("minimal-base", "Minimal base image", status, evidence)


def _workdir(facts: ImageFacts) -> Verdict:
    ok = facts.workdir.strip("/") != ""
    return Verdict("workdir", "WORKDIR set", PASS if ok else FAIL, f"WORKDIR {facts.workdir or '(none)'}")


def _only_needed_files(facts: ImageFacts) -> Verdict:
    junk = facts.app_junk
    if not facts.app_dirs:
        return Verdict("only-needed-files", "Only necessary files copied", FAIL, "no application directory found")
    evidence = f"{facts.app_file_count} files in {', '.join(facts.app_dirs)}"
    if junk:
        return Verdict(
            "only-needed-files", "Only necessary files copied", FAIL, f"{evidence}; not needed: {', '.join(junk[:5])}"
        )
    return Verdict("only-needed-files", "Only necessary files copied", PASS, evidence)


def _dockerignore(facts: ImageFacts) -> Verdict:
    in_app = [
        p
        for p in (*facts.secrets.files, *facts.secrets.private_keys)
        if any(p.startswith(d + "/") for d in facts.app_dirs)
    ]
    caches = [c.kind for c in facts.caches if c.kind in ("git", "pycache-in-app")]
    problems = in_app + caches
    evidence = (
        "no secrets, .git or __pycache__ in the app directory" if not problems else "found: " + ", ".join(problems[:5])
    )
    return Verdict("dockerignore", ".dockerignore keeps junk and secrets out", FAIL if problems else PASS, evidence)


def _no_pip_cache(facts: ImageFacts) -> Verdict:
    cache = next((c for c in facts.caches if c.kind == "pip-cache"), None)
    if cache is None:
        return Verdict("no-pip-cache", "pip install --no-cache-dir", PASS, "no pip cache in the image")
    return Verdict(
        "no-pip-cache", "pip install --no-cache-dir", FAIL, f"pip cache: {cache.files} files, {cache.bytes} bytes"
    )


def _expose(facts: ImageFacts) -> Verdict:
    ports = ", ".join(facts.exposed_ports)
    return Verdict("expose", "EXPOSE the service port", PASS if ports else FAIL, f"EXPOSE {ports or '(none)'}")


def _exec_form(facts: ImageFacts) -> Verdict:
    command = facts.entrypoint or facts.cmd
    shown = " ".join(command) if command else "(none)"
    return Verdict("exec-form", "CMD in exec form", PASS if facts.exec_form else FAIL, shown[:120])


def _non_root(facts: ImageFacts, runtime: dict | None) -> Verdict:
    running = runtime.get("running_uid") if runtime else None
    uid = running if running is not None else facts.user.uid
    source = "measured" if running is not None else "configured"
    status = FAIL if uid == 0 else PASS if uid is not None else PARTIAL
    return Verdict(
        "non-root", "Runs as a non-root user", status, f"uid {uid} ({source}; USER {facts.user.configured or '(none)'})"
    )
