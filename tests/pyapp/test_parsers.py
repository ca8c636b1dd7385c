"""Requirements, lockfiles, Python versions, Procfile: parsed properly, on small inputs written by the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.pyapp.layouts import LayoutContext, detect_dependencies
from dockwise.pyapp.layouts.project import read_project
from dockwise.pyapp.procfile import read_procfile
from dockwise.pyapp.pyversion import choose_python, nearest
from dockwise.pyapp.requirements import logical_lines, parse_line
from dockwise.pyapp.scan import walk_files
from tests.pyapp.helpers import write


def deps_of(root: Path, chosen=(), python="3.13"):
    files = tuple(walk_files(root))
    return detect_dependencies(LayoutContext(root, files, read_project(root), python), list(chosen))


def test_logical_lines_join_continuations_and_drop_comments():
    text = "flask==3.1.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\n\n# c\ngunicorn  # inline\n"
    assert logical_lines(text) == [(1, "flask==3.1.0      --hash=sha256:aa      --hash=sha256:bb"), (7, "gunicorn")]


@pytest.mark.parametrize(
    "line, kind, name, pinned",
    [
        ("Flask_Login==0.6.3", "requirement", "flask-login", True),
        ("flask>=3", "requirement", "flask", False),
        ("flask==3.*", "requirement", "flask", False),
        ("uvicorn[standard]==0.30.0 ; python_version >= '3.8'", "requirement", "uvicorn", True),
        ("-e .", "local", None, False),
        (".", "local", None, False),
        ("-r base.txt", "include", None, False),
        ("-cconstraints.txt", "constraint", None, False),
        ("--index-url https://example.invalid/simple", "option", None, False),
        ("pkg @ https://example.invalid/pkg-1.0.tar.gz", "url", "pkg", False),
    ],
)
def test_parse_line(line, kind, name, pinned):
    parsed = parse_line("requirements.txt", 1, line)
    assert (parsed.kind, parsed.name, parsed.pinned) == (kind, name, pinned)


def test_invalid_requirement_is_one_line_with_its_place():
    with pytest.raises(DockwiseError, match=r"requirements.txt:3: 'flask ===== 1' is not a valid requirement"):
        parse_line("requirements.txt", 3, "flask ===== 1")


def test_includes_and_constraints_are_followed_dev_files_skipped(tmp_path):
    write(
        tmp_path,
        {
            "requirements.txt": "-r requirements/base.txt\n-r requirements/dev.txt\n",
            "requirements/base.txt": "-c ../constraints.txt\nflask==3.1.0\n",
            "requirements/dev.txt": "pytest\n",
            "constraints.txt": "click==8.1.7\n",
            "app.py": "",
        },
    )
    found = deps_of(tmp_path)
    assert found.files == ("requirements.txt", "requirements/base.txt", "constraints.txt")
    assert found.requirement_roots == ("requirements/base.txt",)  # pip never sees the skipped -r line
    assert found.names == {"flask", "click"} and found.pinned and not found.hashed
    assert any("requirements/dev.txt" in note for note in found.notes)
    write(tmp_path, {"requirements.txt": "-r requirements/dev.txt\ngunicorn==23.0.0\n"})
    with pytest.raises(DockwiseError, match="development requirements next to the app's own"):
        deps_of(tmp_path)
    assert deps_of(tmp_path, ["requirements.txt"]).requirement_roots == ("requirements.txt",)


def test_missing_include_and_conflicting_pins_fail(tmp_path):
    write(tmp_path, {"requirements.txt": "-r missing.txt\n"})
    with pytest.raises(DockwiseError, match="missing.txt does not exist"):
        deps_of(tmp_path)
    write(tmp_path, {"requirements.txt": "flask==3.1.0\nFlask==2.0.0\n"})
    with pytest.raises(
        DockwiseError,
        match="unresolvable requirements: requirements.txt:1 pins flask==3.1.0 but "
        "requirements.txt:2 pins flask==2.0.0",
    ):
        deps_of(tmp_path)


def test_partly_hashed_set_fails(tmp_path):
    write(tmp_path, {"requirements.txt": "flask==3.1.0 --hash=sha256:aa\ngunicorn==23.0.0\n"})
    with pytest.raises(DockwiseError, match="requirements.txt:2: 'gunicorn==23.0.0' has no --hash"):
        deps_of(tmp_path)


def test_editable_project_is_built_as_a_wheel(tmp_path):
    write(tmp_path, {"requirements.txt": "flask==3.1.0\n-e .\n"})
    found = deps_of(tmp_path)
    assert [e.where() for e in found.local_lines] == ["requirements.txt:2"]


def test_lockfile_wins_and_two_lockfiles_conflict(tmp_path):
    lock = {
        "_meta": {"requires": {"python_version": "3.11"}},
        "default": {"flask": {"version": "==3.1.0", "hashes": ["sha256:aa"]}},
    }
    write(tmp_path, {"Pipfile.lock": json.dumps(lock), "requirements.txt": "flask\n"})
    found = deps_of(tmp_path)
    assert found.kind == "pipenv" and found.hashed and any("lockfile first" in n for n in found.notes)
    assert choose_python(tmp_path, None, None).version == "3.11"
    write(tmp_path, {"uv.lock": 'version = 1\nrequires-python = ">=3.11"\n', "pyproject.toml": "[project]\nname='x'\n"})
    with pytest.raises(DockwiseError, match="conflicting lockfiles: uv.lock and Pipfile.lock"):
        deps_of(tmp_path)


def test_uv_lock_main_group_only(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'app'\nversion = '1'\ndependencies = ['flask']\n",
            "uv.lock": """version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "1"
source = { virtual = "." }
dependencies = [{ name = "flask" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "flask"
version = "3.1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "click" }]

[[package]]
name = "click"
version = "8.1.7"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }
""",
        },
    )
    found = deps_of(tmp_path)
    assert found.kind == "uv" and found.names == {"flask", "click"} and found.hashed


def test_poetry_lock_walks_from_main_dependencies(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.poetry]\nname='app'\n[tool.poetry.dependencies]\npython='^3.11'\n"
            "fastapi='^0.110'\n[tool.poetry.group.dev.dependencies]\npytest='*'\n",
            "poetry.lock": "[[package]]\nname = 'fastapi'\nversion = '0.110.0'\n[package.dependencies]\n"
            "starlette = '*'\n[[package]]\nname = 'starlette'\nversion = '0.36.0'\n"
            "[[package]]\nname = 'pytest'\nversion = '8.0.0'\n"
            "[metadata]\ncontent-hash = 'eae988fa4ac28ef0541fcab0960dbe08bc7d345be198b689eb5c2e313fa8306e'\n",
        },
    )
    found = deps_of(tmp_path)
    assert found.kind == "poetry" and found.names == {"fastapi", "starlette"}
    assert choose_python(tmp_path, read_project(tmp_path), None).version == "3.13"  # ^3.11 -> >=3.11,<4


def test_pipfile_without_lock_installs_its_packages_unpinned_and_says_so(tmp_path):
    write(
        tmp_path,
        {
            "Pipfile": "[packages]\nflask = '*'\nrequests = {version = '>=2', extras = ['socks']}\n"
            "[dev-packages]\npytest = '*'\n",
            "app.py": "",
        },
    )
    found = deps_of(tmp_path)
    assert found.kind == "pipfile" and found.listed == ("flask", "requests[socks]>=2") and not found.pinned
    assert "Pipfile has no Pipfile.lock" in found.warnings[0] and "pipenv lock" in found.todo[0]
    write(tmp_path, {"Pipfile": "[packages]\nflask = {git = 'https://example.invalid/flask.git'}\n"})
    with pytest.raises(DockwiseError, match="Pipfile:2: 'flask' does not come from a package index"):
        deps_of(tmp_path)


@pytest.mark.parametrize(
    "files, version, warned",
    [
        ({".python-version": "3.11.9\n"}, "3.11", False),
        ({"runtime.txt": "python-3.13.1\n"}, "3.13", False),
        ({".python-version": "3.12\n"}, "3.11", True),
        ({".python-version": "3.14\n"}, "3.13", True),
        ({"pyproject.toml": "[project]\nname='x'\nrequires-python='>=3.10,<3.12'\n"}, "3.11", False),
        (
            {"pyproject.toml": "[project]\nname='x'\nclassifiers=['Programming Language :: Python :: 3.11']\n"},
            "3.11",
            False,
        ),
        ({}, "3.13", False),
    ],
)
def test_python_version_precedence(tmp_path, files, version, warned):
    write(tmp_path, files)
    choice = choose_python(tmp_path, read_project(tmp_path), None)
    assert choice.version == version and bool(choice.warnings) == warned


def test_python_pin_first_then_constraint_excludes_both(tmp_path):
    write(tmp_path, {".python-version": "3.11\n", "runtime.txt": "python-3.13.0\n"})
    assert choose_python(tmp_path, None, None).evidence.file == ".python-version"
    write(tmp_path, {"pyproject.toml": "[project]\nname='x'\nrequires-python='>=3.14'\n"})
    (tmp_path / ".python-version").unlink()
    (tmp_path / "runtime.txt").unlink()
    with pytest.raises(DockwiseError, match="excludes every version"):
        choose_python(tmp_path, read_project(tmp_path), None)


def test_python_flag_must_be_a_base():
    with pytest.raises(DockwiseError, match="--python 3.12: dockwise's bases provide Python 3.11 and 3.13 only"):
        choose_python(Path("."), None, "3.12")
    assert nearest("3.12") == "3.11" and nearest("3.9") == "3.11" and nearest("3.15") == "3.13"


def test_procfile_web_release_and_shell_operators(tmp_path):
    write(
        tmp_path,
        {
            "Procfile": "release: python manage.py migrate\n"
            "web: python manage.py migrate && gunicorn app.wsgi --bind 0.0.0.0:${PORT:-5000}\n"
        },
    )
    procfile = read_procfile(tmp_path)
    assert procfile.web.argv == ("gunicorn", "app.wsgi", "--bind", "0.0.0.0:$PORT")
    assert procfile.web.before == (("python", "manage.py", "migrate"),) and procfile.web.port_default == 5000
    assert procfile.release.argv == ("python", "manage.py", "migrate")
    write(tmp_path, {"Procfile": "web: gunicorn app:app | tee log\n"})
    assert "shell" in read_procfile(tmp_path).web.shell_only
