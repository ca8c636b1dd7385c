"""A setup.py-only project (no pyproject.toml): read from its syntax tree, never run, built as a wheel with
setuptools' legacy backend; its install_requires are the dependency layer; a PasteDeploy .ini's `egg:` is the
project; a `pyramid.includes` module only an extra provides is installed, with a warning (hermetic)."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.layouts import install_requires, setup_py
from dockwise.pyapp.layouts.project import read_project
from dockwise.pyapp.layouts.setup_py import read_setup_py
from dockwise.pyapp.render import distroless_dockerfile, standard_dockerfile
from tests.pyapp.helpers import write
from tests.pyapp.test_layouts import deps_of

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
EXAMPLE = re.compile(r"^(Good|Bad) \(([^)]*)\)::\n\n((?:    .*\n|\n)+)", re.M)


def docstring_examples(module) -> list[tuple[str, str]]:
    return [(verdict, textwrap.dedent(code)) for verdict, _why, code in EXAMPLE.findall(module.__doc__)]


def pyramid_databases(tmp_path: Path, **changes: str) -> Path:
    root = tmp_path / "pyramid-databases"
    shutil.copytree(CORPUS / "pyramid-databases", root)
    return write(root, changes)


@pytest.mark.parametrize(("verdict", "code"), docstring_examples(setup_py))
def test_the_readers_docstring_examples(verdict, code):
    read = read_setup_py(code)
    assert read is not None and read.name == "tutorial"
    if verdict == "Good":
        assert read.install_requires == ("pyramid", "waitress") and not read.unread
        assert read.entry_points == {"paste.app_factory": {"main": "tutorial:main"}}
    else:
        assert read.unread == ("install_requires",) and read.install_requires == ()


@pytest.mark.parametrize(("verdict", "code"), docstring_examples(install_requires))
def test_the_providers_docstring_examples(verdict, code, tmp_path):
    write(tmp_path, {"setup.py": "from setuptools import setup\n" + code, "tutorial/__init__.py": "app = None\n"})
    deps = deps_of(tmp_path)
    assert deps.kind == "setup.py"
    if verdict == "Good":
        assert deps.install == "listed" and deps.listed == ("pyramid", "waitress") and not deps.warnings
    else:
        assert deps.install == "nothing" and "install_requires is computed when setup.py runs" in deps.warnings[0]


def test_names_bound_to_literals_are_followed_and_changed_or_computed_ones_are_not():
    read = read_setup_py(
        "import setuptools\nbase = ['a']\nreqs = base\nextra = ['x']\nextra += ['y']\n"
        "setuptools.setup(name='p', install_requires=reqs, extras_require={'dev': extra, 'doc': ['s']},\n"
        "    python_requires='>=3.11', entry_points={'console_scripts': 'init-db = p.db:main\\nother = p:o'})\n"
    )
    assert read.install_requires == ("a",) and read.python_requires == ">=3.11"
    assert read.unread == ("extras_require",) and read.extras_require == {}
    assert read.entry_points == {"console_scripts": {"init-db": "p.db:main", "other": "p:o"}}
    assert read_setup_py("setup(**options)").unread == ("**",)
    assert read_setup_py("def f(:\n") is None and read_setup_py("print('no setup call')") is None
    cyclic = read_setup_py("a = b\nb = a\nsetup(name='p', install_requires=a)")
    assert cyclic.unread == ("install_requires",)


def test_the_corpus_app_is_a_packaged_project_whose_install_requires_are_the_layer(tmp_path):
    root = pyramid_databases(tmp_path)
    project = read_project(root)
    assert (project.file, project.name, project.packaged, project.build_backend) == (
        "setup.py",
        "tutorial",
        True,
        "setuptools.build_meta:__legacy__",
    )
    assert project.data_left_out == ("tutorial",)  # its .pt templates: no include_package_data
    facts = detect(root)
    assert facts.name == "tutorial" and facts.packaged and facts.candidate.target == "tutorial:main"
    assert facts.command[-2:] == ("--paste", "development.ini") and "development.ini" in facts.copies
    assert facts.deps.kind == "setup.py" and facts.deps.evidence.where() == "setup.py:26"
    assert [w.path.as_posix() for w in facts.writable] == ["/app/sqltutorial.sqlite"]  # %(here)s, on /data
    dockerfile = distroless_dockerfile(facts)
    assert "pip install deform pyramid pyramid_chameleon pyramid_tm sqlalchemy waitress zope.sqlalchemy" in dockerfile
    assert "/opt/venv/bin/pip install --no-deps /tmp/src" in dockerfile
    assert "['purelib'])" in dockerfile and dockerfile.count("site-packages, as `pip install -e .` has them") == 1


def test_the_dev_extra_providing_an_included_module_is_installed_with_a_warning_and_a_to_do(tmp_path):
    facts = detect(pyramid_databases(tmp_path))
    assert facts.deps.added == ("pyramid_debugtoolbar",) and "pyramid-debugtoolbar" in facts.deps.names
    assert "pytest" not in standard_dockerfile(facts)  # the extra's test tools are left out
    assert any(d.topic == "extra" and d.value.startswith("pyramid_debugtoolbar") for d in facts.decisions)
    (warning,) = [w for w in facts.warnings if "pyramid_debugtoolbar" in w]
    assert warning.startswith("development.ini:4: pyramid.includes names pyramid_debugtoolbar, which only")
    assert "development config" in warning and "(pytest, webtest) are left out" in warning
    assert any(t.startswith("serve a production config") for t in facts.todo)


def test_an_included_module_no_extra_provides_is_still_refused(tmp_path):
    setup = (CORPUS / "pyramid-databases" / "setup.py").read_text().replace("'pyramid_debugtoolbar',", "")
    with pytest.raises(DockwiseError, match=r"development.ini:4: pyramid.includes names pyramid_debugtoolbar, which"):
        detect(pyramid_databases(tmp_path, **{"setup.py": setup}))


def test_a_production_ini_needs_no_extra(tmp_path):
    ini = (CORPUS / "pyramid-databases" / "development.ini").read_text().replace("    pyramid_debugtoolbar\n", "")
    facts = detect(pyramid_databases(tmp_path, **{"production.ini": ini}))
    assert facts.command[-1] == "production.ini" and facts.deps.added == ()
    assert not any("pyramid_debugtoolbar" in w for w in facts.warnings)


def test_a_requirements_file_without_the_project_leaves_setup_py_unbuilt_and_egg_refused(tmp_path):
    root = pyramid_databases(tmp_path, **{"requirements.txt": "pyramid==2.0.2\nwaitress==3.0.2\n"})
    with pytest.raises(DockwiseError) as refused:
        detect(root)
    assert refused.value.exit_code == EXIT_USAGE
    assert "use = egg:tutorial needs the project installed" in refused.value.cause
    assert "requirements.txt is what the image installs, and it has no `-e .` line" in refused.value.cause
    (root / "requirements.txt").write_text(
        "pyramid==2.0.2\npyramid_tm==2.6\nwaitress==3.0.2\npyramid_debugtoolbar==4.12\n-e .\n"
    )
    facts = detect(root)
    assert facts.packaged and facts.deps.kind == "requirements" and facts.candidate.target == "tutorial:main"


def test_computed_install_requires_are_installed_with_the_project(tmp_path):
    setup = "from setuptools import setup\nsetup(name='tutorial', install_requires=open('r.txt').read().split(),\n"
    setup += "    entry_points={'paste.app_factory': ['main = tutorial:main']})\n"
    root = pyramid_databases(tmp_path, **{"setup.py": setup})
    ini = (root / "development.ini").read_text().replace("    pyramid_debugtoolbar\n", "")
    (root / "development.ini").write_text(ini)
    facts = detect(root)
    assert facts.deps.install == "nothing" and any("computed when setup.py runs" in w for w in facts.warnings)
    assert "/opt/venv/bin/pip install /tmp/src" in standard_dockerfile(facts)  # with its dependencies


@pytest.mark.parametrize(
    ("setup", "cause"),
    [
        ("setup(name='x y', install_requires=[])", "the project name 'x y' is not a valid distribution name"),
        ("setup(name='t', install_requires=['flask>>1'])", "setup.py:1: 'flask>>1' is not a valid requirement"),
        ("setup(name='t', install_requires=['t @ https://e.x/t.whl'])", "is not a released distribution"),
    ],
)
def test_a_setup_py_value_dockwise_cannot_use_is_refused_in_one_line(setup, cause, tmp_path):
    write(tmp_path, {"setup.py": setup, "t/__init__.py": "from flask import Flask\napp = Flask(__name__)\n"})
    with pytest.raises(DockwiseError) as refused:
        detect(tmp_path)
    assert cause in refused.value.cause and "\n" not in refused.value.cause


def test_the_console_script_is_suggested_with_the_served_ini_and_runs_once_per_volume(tmp_path):
    root = pyramid_databases(tmp_path)
    (step,) = detect(root).setup_suggestions
    assert step.command == "initialize_tutorial_db development.ini"
    assert step.evidence.where() == "setup.py:35" and "tutorial/initialize_db.py:30 reads its config URI" in step.why
    assert step.scope == "volume" and step.destroys.evidence.where() == "tutorial/initialize_db.py:36"
    todo = next(t for t in detect(root).todo if t.startswith("set the app up"))
    assert todo.endswith("dockwise init --force --setup 'initialize_tutorial_db development.ini'")
    facts = detect(root, InitOptions(setup="initialize_tutorial_db development.ini"))
    assert facts.setup == ("initialize_tutorial_db", "development.ini") and facts.setup_scope == "volume"


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("    settings = get_appsettings(argv[1])\n", "init_db app.ini"),
        ("    uri = sys.argv[1]\n    env = bootstrap(uri)\n", "init_db app.ini"),
        ("    args = parse_args(argv)\n    env = paster.bootstrap(args.config_uri)\n", "init_db app.ini"),
        ("    settings = get_appsettings('fixed.ini')\n", "init_db"),  # no argument to give it
        ("    print(argv[1])\n", "init_db"),
    ],
)
def test_a_script_reading_its_config_uri_from_argv_gets_the_served_ini(body, command, tmp_path):
    code = "import sys\nfrom pyramid import paster\nfrom pyramid.paster import bootstrap, get_appsettings\n\n"
    code += "def main(argv=sys.argv):\n" + body
    setup = "from setuptools import setup\nsetup(name='hello', install_requires=['pyramid'], entry_points={\n"
    setup += "    'paste.app_factory': ['main = hello:main'], 'console_scripts': ['init_db = hello.db:main']})\n"
    files = {
        "setup.py": setup,
        "hello/__init__.py": "def main(global_config, **settings):\n    return None\n",
        "hello/db.py": code,
        "app.ini": "[app:main]\nuse = egg:hello\n",
    }
    assert [s.command for s in detect(write(tmp_path, files)).setup_suggestions] == [command]


def test_a_script_needing_a_config_uri_is_not_suggested_without_an_ini(tmp_path):
    setup = "from setuptools import setup\nsetup(name='hello', install_requires=['flask'],\n"
    setup += "    entry_points={'console_scripts': ['init_db = hello.db:main']})\n"
    code = "import sys\nfrom pyramid.paster import get_appsettings\n\ndef main(argv=sys.argv):\n"
    code += "    get_appsettings(argv[1])\n"
    files = {
        "setup.py": setup,
        "hello/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
        "hello/db.py": code,
    }
    assert detect(write(tmp_path, files)).setup_suggestions == ()


def test_a_computed_keyword_dockwise_uses_is_said_in_a_note(tmp_path):
    setup = "from setuptools import setup\nimport version\nsetup(name='t', python_requires=version.PYTHON,\n"
    setup += "    install_requires=['flask'])\n"
    files = {"setup.py": setup, "t/__init__.py": "from flask import Flask\napp = Flask(__name__)\n"}
    facts = detect(write(tmp_path, files))
    assert any(n.startswith("setup.py computes python_requires when it runs") for n in facts.notes)
    assert facts.deps.listed == ("flask",) and facts.packaged
