"""What the files `dockwise init` writes must be, read back by parsers dockwise does not own: both Dockerfiles
parsed by the Go-grammar `dockerfile` package (no directive line, each JSON instruction a list of strings), compose.yaml
by `yaml.safe_load`. `shape` reduces them to what a value from the app must never change: the instructions, their
flags (for a mount, its option keys) and the compose keys."""

from __future__ import annotations

import re
from pathlib import Path

import dockerfile
import yaml

from dockwise.dockerfile.lint import lint_text

DOCKERFILES = ("Dockerfile", "Dockerfile.distroless")
DIRECTIVE = re.compile(r"^\s*#\s*(syntax|escape|check)\s*=", re.IGNORECASE | re.MULTILINE)
# Where a write path outside /app and the venv is made: the one instruction such a path adds.
LINKS_COPY = ("/links/", "/")


def _flag_keys(flag: str) -> tuple[str, ...]:
    name, _, value = flag.partition("=")
    if name == "--mount":
        return (name, *sorted(option.partition("=")[0] for option in value.split(",")))
    return (name,)


def instructions(text: str) -> list[tuple[str, tuple]]:
    """(instruction, flag keys) for each instruction but the copy of the links (a write path outside /app adds it),
    JSON forms checked to be lists of strings."""
    assert not DIRECTIVE.search(text), "a parser directive in a generated Dockerfile"
    shape = []
    for command in dockerfile.parse_string(text):
        if command.json:
            assert all(isinstance(word, str) for word in command.value), command
        if command.cmd == "COPY" and command.value == LINKS_COPY:
            continue
        flags = tuple(key for flag in command.flags for key in _flag_keys(flag))
        shape.append((command.cmd, flags))
    return shape


def compose_keys(text: str) -> dict:
    data = yaml.safe_load(text)
    assert isinstance(data, dict) and set(data) <= {"services", "volumes"}, data
    services = data["services"]
    [name] = [key for key in services if not key.endswith("-setup")]
    assert set(services) <= {name, f"{name}-setup"}, services  # the app, and its setup one-shot when it has one
    service = services[name]
    one_shot = services.get(f"{name}-setup") or {}
    return {
        "service": sorted(service),
        "environment": sorted(service.get("environment") or {}),
        "build": sorted(service["build"]),
        "volumes": sorted(data.get("volumes") or {}),
        "setup": sorted(one_shot),
    }


def shape(app: Path) -> dict:
    """The parsed shape of the four files, with the lint findings of both Dockerfiles."""
    found: dict = {}
    for name in DOCKERFILES:
        text = (app / name).read_text(encoding="utf-8")
        found[name] = instructions(text)
        found[name + " lint"] = sorted({f.rule for f in lint_text(text, name)})
    found["compose"] = compose_keys((app / "compose.yaml").read_text(encoding="utf-8"))
    ignore = (app / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert not any(line.startswith("!") for line in ignore), "a re-include in .dockerignore"
    return found


def printed_safely(output: str) -> bool:
    """No control character but the line break reaches the terminal (no escape sequence, no carriage return)."""
    return not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", output)
