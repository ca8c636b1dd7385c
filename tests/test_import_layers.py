"""Every module imports on its own, and the packages import each other in one direction only.

The first test is pip-tools' tests/test_circular_imports.py idea: each module is imported first, in a fresh
interpreter, so an import cycle that a different import order would hide fails here. The second reads every import
statement under src/ (ast, nothing imported) and holds them to STYLE.md's direction:
cli -> jobs -> domains -> measure -> engine -> service -> core.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "dockwise"
DOMAINS = ("pyapp", "slim", "deploy", "dockerfile", "image", "debian")
LEVEL: dict[str, float] = {
    "cli": 6,
    "cli_options": 5.9,
    "__main__": 6,
    "jobs": 5,
    **dict.fromkeys(DOMAINS, 4),
    "measure": 3,
    "engine": 2,
    "service": 1,
}
LEVEL |= {"core": 0}
# report/ renders core findings and domain results: above the domains, below jobs; no domain imports it.
LEVEL["report"] = 4.5
NEVER = {
    ("engine", "measure"): "the engine runs containers; what is measured in them is above it",
    ("pyapp", "engine"): "init writes files and never needs an engine: they meet in service/",
    ("pyapp", "deploy"): "init and deploy share the service contract, not each other",
    **{(domain, "report"): "domains return results; report renders them" for domain in DOMAINS},
}
KNOWN = {
    # measure/pod.py builds its probe helper on dockwise's slim base and asks debian/ for it when it is missing.
    ("measure/pod.py", "dockwise.debian.bases"),
}


NOT_IMPORTABLE = {
    "dockwise.slim.audit_hook": "a script that runs inside the traced container, where it writes its trace at import",
}


def modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__main__" or ".".join(parts) in NOT_IMPORTABLE:
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first_in_a_fresh_interpreter():
    def load(name: str) -> tuple[str, str] | None:
        done = subprocess.run(
            [sys.executable, "-c", f"import {name}"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
        return (name, done.stderr.strip().splitlines()[-1]) if done.returncode else None

    names = modules()
    assert len(names) > 100 and "dockwise.service.contract" in names
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failed = [f for f in pool.map(load, names) if f]
    assert failed == []


def imports(path: Path) -> list[str]:
    """Every dockwise module `path` imports, at any depth (a function-level import counts too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; dockwise uses absolute imports")
    return [name for name in found if name == "dockwise" or name.startswith("dockwise.")]


def violations(package_dir: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir)
        source = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        for name in imports(path):
            target = name.split(".")[1] if "." in name else source
            if target == source or (rel.as_posix(), name) in KNOWN:
                continue
            why = NEVER.get((source, target))
            if why is None and LEVEL[target] >= LEVEL[source] and not (source in DOMAINS and target in DOMAINS):
                why = f"{source} is below {target}"
            if why:
                found.append(f"{rel.as_posix()} imports {name}: {why}")
    return found


def test_packages_import_in_one_direction():
    assert violations() == []


@pytest.mark.parametrize(
    "source, module, expected",
    [
        ("engine/containers.py", "dockwise.measure.http_faults", "what is measured in them is above it"),
        ("pyapp/render.py", "dockwise.engine.containers", "never needs an engine"),
        ("pyapp/render.py", "dockwise.deploy.manifests", "share the service contract"),
        ("service/contract.py", "dockwise.image.facts", "service is below image"),
        ("core/errors.py", "dockwise.service.labels", "core is below service"),
        ("slim/keep.py", "dockwise.report.text", "report renders them"),
    ],
)
def test_the_layer_check_can_fail(tmp_path, source, module, expected):
    bad = tmp_path / "dockwise" / source
    bad.parent.mkdir(parents=True)
    bad.write_text(f"import {module}\n")
    assert any(expected in v for v in violations(tmp_path / "dockwise")), violations(tmp_path / "dockwise")
