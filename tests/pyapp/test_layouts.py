"""Dependency-layout providers (pyapp/layouts/), each on small apps written by the tests: what it detects, with
what evidence, and what the builder installs (hermetic: no network, no engine)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.pyapp.detect import detect
from dockwise.pyapp.layouts import LayoutContext, detect_dependencies, registry
from dockwise.pyapp.layouts.project import read_project
from dockwise.pyapp.render import standard_dockerfile
from dockwise.pyapp.scan import served_modules, walk_files
from tests.pyapp.helpers import write

FASTAPI_APP = "from fastapi import FastAPI\napp = FastAPI()\n"
# Poetry 2.5.1's own content hashes (poetry.packages.locker.Locker._get_content_hash) of POETRY_APP and
# PEP621_POETRY_APP, computed once with Poetry itself: dockwise's freshness test must agree with Poetry's.
POETRY_APP = (
    "[tool.poetry]\nname='app'\n[tool.poetry.dependencies]\npython='^3.11'\nfastapi='^0.110'\n"
    "[tool.poetry.group.dev.dependencies]\npytest='*'\n"
)
POETRY_APP_HASH = "eae988fa4ac28ef0541fcab0960dbe08bc7d345be198b689eb5c2e313fa8306e"
PEP621_POETRY_APP = (
    "[project]\nname='app'\nrequires-python='>=3.11'\ndependencies=['flask>=3']\n[dependency-groups]\n"
    "dev=['pytest']\n[tool.poetry]\npackage-mode=false\n"
)
PEP621_POETRY_APP_HASH = "50d9dabb8cd7cbfb3d96e5b038389437d85c3569ea28c9c9e6dc84b979aa5beb"
PEP621_POETRY_APP_HASH_NO_GROUPS = "c0b26342c086a591c3e845d83636dea6a7517d473a7d0a17389368fdf48ad29b"
POETRY_LOCK = "[[package]]\nname = 'fastapi'\nversion = '0.110.0'\n"


def deps_of(root: Path, python: str = "3.13"):
    files = tuple(walk_files(root))
    modules = tuple(served_modules(root, list(files))[0])
    return detect_dependencies(LayoutContext(root, files, read_project(root), python, modules), [])


def test_every_provider_module_has_a_layout_and_a_detect():
    names = [p.layout.name for p in registry()]
    assert len(names) == len(set(names)) and names[-1] == "imports"  # the imports answer last, always


def test_requirements_folder_with_extension_less_files(tmp_path):
    write(
        tmp_path,
        {
            "requirements/production": "-r base\ngunicorn==23.0.0\n",
            "requirements/base": "django==5.1\n",
            "requirements/local": "django-debug-toolbar\n",
            "app.py": "",
        },
    )
    found = deps_of(tmp_path)
    assert found.kind == "requirements" and found.requirement_roots == ("requirements/production",)
    assert found.files == ("requirements/production", "requirements/base") and found.names == {"gunicorn", "django"}


@pytest.mark.parametrize(
    "files, packaged, why",
    [
        ({"app.py": ""}, False, "hatchling finds no my_app/, src/my_app/ or my_app.py"),
        ({"my_app/__init__.py": ""}, True, None),
        ({"src/my_app/__init__.py": ""}, True, None),
        ({"my_app.py": ""}, True, None),
    ],
)
def test_a_hatchling_project_with_nothing_to_ship_is_an_app_not_a_package(tmp_path, files, packaged, why):
    pyproject = (
        "[project]\nname = 'my-app'\nversion = '1'\ndependencies = ['litestar']\n"
        "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"
    )
    write(tmp_path, {"pyproject.toml": pyproject, **files})
    project = read_project(tmp_path)
    assert project.packaged is packaged
    assert (project.not_packaged_because or "").startswith(why or "")


def test_setuptools_flat_layout_with_several_top_level_packages_is_an_app(tmp_path):
    pyproject = "[project]\nname = 'site'\nversion = '1'\n[build-system]\nrequires = ['setuptools']\n"
    write(tmp_path, {"pyproject.toml": pyproject, "app.py": "", "templates/index.html": "", "tests/t.py": ""})
    assert "several top-level packages (app, templates)" in read_project(tmp_path).not_packaged_because
    (tmp_path / "templates" / "index.html").unlink()
    (tmp_path / "templates").rmdir()
    assert read_project(tmp_path).packaged  # one module: setuptools ships it


def test_poetry_package_mode_false_and_a_missing_module_are_not_built(tmp_path):
    backend = "[build-system]\nrequires = ['poetry-core']\nbuild-backend = 'poetry.core.masonry.api'\n"
    write(tmp_path, {"pyproject.toml": "[tool.poetry]\nname = 'blog'\n" + backend, "main.py": ""})
    assert "poetry-core finds no blog/" in read_project(tmp_path).not_packaged_because
    write(tmp_path, {"src/blog/__init__.py": ""})
    assert read_project(tmp_path).packaged
    write(tmp_path, {"pyproject.toml": "[tool.poetry]\nname = 'blog'\npackage-mode = false\n" + backend})
    assert not read_project(tmp_path).packaged


def test_poetry_without_a_lock_installs_its_constraints_not_its_dev_group(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.poetry]\nname = 'api'\n[tool.poetry.dependencies]\npython = '^3.10'\n"
            "quart = '*'\nquart-schema = '^0.18.3'\nuvloop = {version = '~0.19', markers = \"sys_platform != 'win32'\"}\n"
            "httpx = {extras = ['http2'], version = '>=0.27 <1', python = '>=3.11'}\n"
            "rich = {version = '*', optional = true}\n"
            "[tool.poetry.dev-dependencies]\npytest = '*'\n",
            "app.py": "",
        },
    )
    found = deps_of(tmp_path)
    assert found.kind == "poetry-constraints" and found.install == "listed" and not found.pinned
    assert found.listed == (
        "quart",
        "quart-schema<0.19,>=0.18.3",
        'uvloop<0.20,>=0.19; sys_platform != "win32"',
        'httpx[http2]<1,>=0.27; python_version >= "3.11"',
    )
    assert found.names == {"quart", "quart-schema", "uvloop", "httpx"} and "poetry lock" in found.todo[0]


def test_poetry_git_dependency_is_refused_in_one_line(tmp_path):
    write(
        tmp_path,
        {"pyproject.toml": "[tool.poetry.dependencies]\nquart = {git = 'https://example.invalid/q.git'}\n"},
    )
    with pytest.raises(DockwiseError, match="the Poetry dependency 'quart' comes from a git"):
        deps_of(tmp_path)


def test_fresh_poetry_lock_is_exported_by_poetry(tmp_path):
    lock = POETRY_LOCK + f"[metadata]\ncontent-hash = '{POETRY_APP_HASH}'\n"
    write(tmp_path, {"pyproject.toml": POETRY_APP, "poetry.lock": lock})
    found = deps_of(tmp_path)
    assert (found.kind, found.install, found.tool, found.hashed) == ("poetry", "export", "poetry", True)


def test_stale_poetry_lock_falls_back_to_the_constraints_with_a_warning(tmp_path):
    stale = POETRY_APP.replace("^0.110", "^0.111")  # changed after locking
    lock = POETRY_LOCK + f"[metadata]\ncontent-hash = '{POETRY_APP_HASH}'\n"
    write(tmp_path, {"pyproject.toml": stale, "poetry.lock": lock})
    found = deps_of(tmp_path)
    assert found.kind == "poetry-stale-lock" and found.listed == ("fastapi<0.112,>=0.111",) and not found.hashed
    assert "poetry.lock is older than pyproject.toml" in found.warnings[0] and "eae988fa4ac2" in found.warnings[0]
    assert "poetry lock" in found.todo[0]


def test_poetry_lock_from_before_2_3_hashed_no_dependency_groups(tmp_path):
    old = "# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.\n"
    new = "# This file is automatically @generated by Poetry 2.3.1 and should not be changed by hand.\n"
    metadata = f"[metadata]\ncontent-hash = '{PEP621_POETRY_APP_HASH_NO_GROUPS}'\n"
    write(tmp_path, {"pyproject.toml": PEP621_POETRY_APP, "poetry.lock": old + metadata})
    assert deps_of(tmp_path).kind == "poetry"
    write(tmp_path, {"poetry.lock": new + metadata})
    assert deps_of(tmp_path).kind == "poetry-stale-lock"
    write(tmp_path, {"poetry.lock": new + f"[metadata]\ncontent-hash = '{PEP621_POETRY_APP_HASH}'\n"})
    assert deps_of(tmp_path).kind == "poetry"


H = "sha256:" + "a" * 64
PDM_PYPROJECT = "[project]\nname = 'hello'\nversion = '1'\ndependencies = ['litestar[standard]>=2']\n"
PDM_LOCK = f"""[metadata]
groups = ["default", "test"]

[[package]]
name = "litestar"
version = "2.4.1"
dependencies = ["anyio>=3", "importlib-metadata; python_version < \\"3.10\\""]
files = [{{file = "litestar-2.4.1-py3-none-any.whl", hash = "{H}"}}]

[[package]]
name = "litestar"
version = "2.4.1"
extras = ["standard"]
dependencies = ["litestar==2.4.1", "uvicorn[standard]", "colorama; sys_platform == \\"win32\\""]
files = [{{file = "litestar-2.4.1-py3-none-any.whl", hash = "{H}"}}]

[[package]]
name = "anyio"
version = "4.1.0"
files = [{{file = "anyio-4.1.0.tar.gz", hash = "{H}"}}]

[[package]]
name = "uvicorn"
version = "0.24.0"
files = [{{file = "uvicorn-0.24.0.tar.gz", hash = "{H}"}}]

[[package]]
name = "uvicorn"
version = "0.24.0"
extras = ["standard"]
dependencies = ["uvicorn==0.24.0", "uvloop; sys_platform != \\"win32\\""]
files = [{{file = "uvicorn-0.24.0.tar.gz", hash = "{H}"}}]

[[package]]
name = "uvloop"
version = "0.19.0"
files = [{{file = "uvloop-0.19.0.tar.gz", hash = "{H}"}}]

[[package]]
name = "colorama"
version = "0.4.6"
files = [{{file = "colorama-0.4.6.tar.gz", hash = "{H}"}}]

[[package]]
name = "importlib-metadata"
version = "7.0.0"
files = [{{file = "importlib_metadata-7.0.0.tar.gz", hash = "{H}"}}]

[[package]]
name = "pytest"
version = "8.0.0"
files = [{{file = "pytest-8.0.0.tar.gz", hash = "{H}"}}]
"""


def test_pdm_lock_walks_extras_and_markers_for_the_target_python(tmp_path):
    write(tmp_path, {"pyproject.toml": PDM_PYPROJECT, "pdm.lock": PDM_LOCK, "app.py": ""})
    found = deps_of(tmp_path, python="3.11")
    assert found.kind == "pdm" and found.hashed and found.install == "pdm-lock"
    assert found.listed == ("anyio", "litestar", "uvicorn", "uvloop")  # no colorama (Windows), no pytest (test)
    assert "importlib-metadata" in deps_of(tmp_path, python="3.9").names  # its marker holds below 3.10


def test_pdm_lock_without_hashes_is_refused_at_init_not_in_the_build(tmp_path):
    write(tmp_path, {"pyproject.toml": PDM_PYPROJECT, "pdm.lock": PDM_LOCK.replace(f'hash = "{H}"', 'hash = "x"')})
    with pytest.raises(DockwiseError, match=r"pdm.lock:\d+: anyio has no sha256 hash"):
        deps_of(tmp_path)


def test_pdm_lock_with_groups_takes_the_default_group(tmp_path):
    lock = (
        f'[[package]]\nname = "flask"\nversion = "3.1.0"\ngroups = ["default"]\n'
        f'files = [{{file = "f.whl", hash = "{H}"}}]\n'
        f'[[package]]\nname = "pytest"\nversion = "8.0.0"\ngroups = ["test"]\n'
        f'files = [{{file = "p.whl", hash = "{H}"}}]\n'
    )
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\ndependencies = ['flask']\n", "pdm.lock": lock})
    assert deps_of(tmp_path).listed == ("flask",)


UV_LOCK = """version = 1
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "fastapi", extra = ["standard"] }]

[[package]]
name = "fastapi"
version = "0.112.2"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "starlette" }]

[package.optional-dependencies]
standard = [{ name = "uvicorn", extra = ["standard"] }]
all = [{ name = "ujson" }]

[[package]]
name = "starlette"
version = "0.38.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "uvicorn"
version = "0.30.6"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
standard = [{ name = "httptools" }]

[[package]]
name = "httptools"
version = "0.6.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "ujson"
version = "5.10.0"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_follows_extras_so_the_apps_own_server_pin_wins(tmp_path):
    pyproject = "[project]\nname = 'app'\nversion = '0.1.0'\ndependencies = ['fastapi[standard]']\n"
    write(tmp_path, {"pyproject.toml": pyproject, "uv.lock": UV_LOCK, "main.py": FASTAPI_APP})
    assert deps_of(tmp_path).names == {"fastapi", "starlette", "uvicorn", "httptools"}  # not ujson (extra "all")
    facts = detect(tmp_path)
    assert facts.server.server.name == "uvicorn" and not facts.server.added
    assert "uvicorn==" not in standard_dockerfile(facts)  # never a second pin beside the lock's


def test_no_dependency_file_infers_distributions_from_the_imports(tmp_path):
    write(
        tmp_path,
        {
            "main.py": FASTAPI_APP
            + "import os, json\nimport yaml\nfrom PIL import Image\nfrom . import sibling\nimport helpers\n"
            "from google.cloud import storage\nimport flask_login\n"
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_extensions\n"
            "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
            "def later():\n    import sqlmodel\n",
            "helpers.py": "",
            "tests/test_main.py": "import pytest\n",
        },
    )
    found = deps_of(tmp_path)
    assert found.kind == "imports" and found.install == "listed" and not found.pinned
    assert found.listed == ("fastapi", "flask_login", "google-cloud-storage", "Pillow", "PyYAML", "sqlmodel")
    assert "fastapi from main.py:1" in found.warnings[0] and "unpinned" in found.warnings[0]
    assert "add a requirements file" in found.todo[0]
    facts = detect(tmp_path)
    assert facts.deps.todo[0] in facts.todo and facts.deps.warnings[0] in facts.warnings
    install = next(line for line in standard_dockerfile(facts).splitlines() if "pip install" in line)
    assert shlex.split(install)[-7:] == [*found.listed, "uvicorn==0.54.0"]


def test_an_app_importing_only_the_standard_library_installs_nothing(tmp_path):
    write(tmp_path, {"serve.py": "import http.server\nimport wsgiref.simple_server\n"})
    found = deps_of(tmp_path)
    assert (found.kind, found.install, found.listed) == ("none", "nothing", ())


def test_requirement_lines_from_the_app_reach_the_dockerfile_as_one_quoted_word(tmp_path):
    marker = "extra == '$(touch /tmp/pwned)' or python_version >= '3'"
    pyproject = (
        "[tool.poetry]\nname = 'api'\npackage-mode = false\n[tool.poetry.dependencies]\n"
        f'quart = {{version = "*", markers = "{marker}"}}\n'
    )
    write(tmp_path, {"pyproject.toml": pyproject, "app.py": "from quart import Quart\napp = Quart(__name__)\n"})
    facts = detect(tmp_path)
    install = next(line for line in standard_dockerfile(facts).splitlines() if "pip install" in line)
    words = shlex.split(install)
    assert facts.deps.listed[0] in words and "$(touch" in facts.deps.listed[0]
    assert words[words.index(facts.deps.listed[0]) - 1] == "install"  # one word, not split or expanded


def test_a_poetry_key_that_is_not_a_name_is_refused(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.poetry.dependencies]\n"x y" = "*"\n', "app.py": ""})
    with pytest.raises(DockwiseError, match="'x y' is not a distribution name"):
        deps_of(tmp_path)


def test_deps_flag_picks_the_provider_of_the_file_it_names(tmp_path):
    lock = POETRY_LOCK + f"[metadata]\ncontent-hash = '{POETRY_APP_HASH}'\n"
    write(tmp_path, {"pyproject.toml": POETRY_APP, "poetry.lock": lock, "requirements.txt": "flask\n", "app.py": ""})
    files = tuple(walk_files(tmp_path))

    def chosen(*names: str):
        return detect_dependencies(LayoutContext(tmp_path, files, read_project(tmp_path), "3.13"), list(names))

    assert deps_of(tmp_path).kind == "poetry"  # the lockfile first
    assert chosen("pyproject.toml").kind == "poetry-constraints"
    assert chosen("requirements.txt").kind == "requirements"
    with pytest.raises(DockwiseError, match="--deps pdm.lock: no such file"):
        chosen("pdm.lock")


def test_console_scripts_are_read_from_both_tables_and_odd_entries_left_out(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "blog"\n[project.scripts]\ninit_db = "blog.cli:init_db"\n"rm -rf" = "blog:x"\n'
        'bad = "blog:x; echo"\n[tool.poetry.scripts]\nseed_db = { callable = "blog.seed:main" }\nlegacy = { reference = "x", type = "file" }\n'
    )
    scripts = {s.name: (s.module, s.function) for s in read_project(tmp_path).scripts}
    # "rm -rf" is not a command name and "x" is not module:function: neither could be suggested safely.
    assert scripts == {"init_db": ("blog.cli", "init_db"), "seed_db": ("blog.seed", "main")}
