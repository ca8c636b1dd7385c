"""Fixture apps and running `dockwise init` on copies of them."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from dockwise.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "apps"
GENERATED = ("Dockerfile", "Dockerfile.distroless", ".dockerignore", "compose.yaml")


def copy_app(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(FIXTURES / name, target)
    return target


def run_init(app: Path, *args: str):
    return CliRunner().invoke(main, ["init", str(app), *args])
