"""Golden files: what `dockwise init` writes and plans for every fixture app, the reference service and every corpus
app, checked in under tests/golden/ so that a change to a generated file is seen in review. `make golden` (pytest
--update-golden) writes them from the code; this test fails on any difference, naming the file.

Each app is read from a copy in a temporary folder, so a golden that depended on where the app lies (an absolute
host path) would differ. A corpus app init refuses today has its one error line as its golden (error.txt), with the
folder's path written <app>: the lead sees when a branch makes one pass.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.pyapp.detect import detect
from dockwise.pyapp.plan import plan_text
from dockwise.pyapp.render import render_all

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
FIXTURES = ROOT / "tests" / "fixtures"
# (the app folder, its golden folder): the six fixture apps, the reference service, the corpus.
CASES = [
    *((app, GOLDEN / app.name) for app in sorted((FIXTURES / "apps").iterdir()) if app.is_dir()),
    (ROOT / "examples" / "webapp", GOLDEN / "webapp"),
    *((app.parent, GOLDEN / "corpus" / app.parent.name) for app in sorted((FIXTURES / "corpus").glob("*/routes.toml"))),
]
PLAN = "plan.json"
ERROR = "error.txt"


def generated(app: Path) -> dict[str, str]:
    """The files init writes for `app` and its plan, or its error line when init refuses it."""
    try:
        facts = detect(app)
    except DockwiseError as exc:
        return {ERROR: exc.one_line().replace(str(app.resolve()), "<app>") + "\n"}
    return {**render_all(facts), PLAN: plan_text(facts)}


def stored(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir()) if path.is_file()}


def update(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in set(stored(folder)) - set(files):
        (folder / stale).unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def differences(want: dict[str, str], got: dict[str, str], folder: Path) -> str:
    lines: list[str] = []
    for name in sorted(set(want) | set(got)):
        if want.get(name) != got.get(name):
            where = (folder / name).relative_to(ROOT).as_posix()
            lines += difflib.unified_diff(
                (want.get(name) or "").splitlines(), (got.get(name) or "").splitlines(), where, "generated", lineterm=""
            )
    return "\n".join(lines)


@pytest.mark.parametrize(("app", "folder"), CASES, ids=[folder.relative_to(GOLDEN).as_posix() for _, folder in CASES])
def test_generated_files_match_their_golden(app, folder, tmp_path, request):
    copy = tmp_path / app.name
    shutil.copytree(app, copy, symlinks=True)
    got = generated(copy)
    if request.config.getoption("--update-golden"):
        update(folder, got)
        return
    want = stored(folder)
    assert want, f"no golden files in {folder.relative_to(ROOT)}: run `make golden`"
    assert got == want, "differs from its golden (run `make golden` if the change is meant):\n" + differences(
        want, got, folder
    )


def test_every_golden_folder_has_its_app():
    folders = {folder for _, folder in CASES}
    found = {path.parent for path in GOLDEN.rglob("*") if path.is_file()}
    stale = sorted(str(f.relative_to(GOLDEN)) for f in found - folders)
    assert stale == [], "golden folders whose app is gone: remove them"


def test_the_six_fixture_apps_and_the_reference_service_are_served_not_refused():
    assert len(CASES) >= 7 + 30
    assert all(ERROR not in stored(folder) for _, folder in CASES[:7])


def test_a_difference_is_shown_as_a_diff_naming_the_file():
    shown = differences({"Dockerfile": "FROM a\nUSER 1\n"}, {"Dockerfile": "FROM b\nUSER 1\n"}, GOLDEN / "x")
    assert "tests/golden/x/Dockerfile" in shown and "-FROM a" in shown and "+FROM b" in shown
