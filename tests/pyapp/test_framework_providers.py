"""The entry-point providers' docstring examples, run: each `Good (served as `TARGET`)::` block is an app init
serves as TARGET, each `Bad (refused: CAUSE)::` block one it refuses in one line naming CAUSE (exit 2). Plus the
corpus apps these providers were written for, and the edges the examples do not show."""

from __future__ import annotations

import importlib
import re
import shutil
import sys
import textwrap
import wsgiref.simple_server
from pathlib import Path
from types import ModuleType

import pytest

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp import containers, paste
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.frameworks import bottle, pyramid, werkzeug
from dockwise.pyapp.render import render_all
from dockwise.pyapp.scan import import_path
from dockwise.pyapp.shims import main_shim
from tests.pyapp.helpers import PASTE_PACKAGE, write

EXAMPLE = re.compile(r"^(Good|Bad) \((?:served as `([^`]+)`[^)]*|refused: ([^)]*))\)::\n\n((?:    .*\n|\n)+)", re.M)
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def examples(module: ModuleType) -> list[tuple[str, str, str, str]]:
    found = [
        (module.__name__.rsplit(".", 1)[1], verdict, target or cause, textwrap.dedent(code))
        for verdict, target, cause, code in EXAMPLE.findall(module.__doc__ or "")
    ]
    assert any(v == "Good" for _, v, _, _ in found) and any(v == "Bad" for _, v, _, _ in found), module.__name__
    return found


CASES = [case for m in (pyramid, werkzeug, bottle, containers, paste) for case in examples(m)]


@pytest.mark.parametrize(("provider", "verdict", "expected", "code"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_docstring_examples(provider, verdict, expected, code, tmp_path):
    if provider == "paste":
        files = {**PASTE_PACKAGE, "production.ini": code}
    else:
        module = expected.split(":")[0] if verdict == "Good" else "app"
        files = {f"{module.replace('.', '/')}.py": code}
    root = write(tmp_path, files)
    if verdict == "Good":
        facts = detect(root)
        assert facts.candidate is not None and facts.candidate.target == expected
        if provider == "paste":
            assert facts.command[-2:] == ("--paste", "production.ini") and facts.server.server.name == "gunicorn"
            assert "production.ini" in facts.copies  # the server reads it at start
    else:
        with pytest.raises(DockwiseError) as refused:
            detect(root)
        assert expected in refused.value.cause and refused.value.exit_code == EXIT_USAGE


def corpus_copy(name: str, tmp_path: Path, **extra: str) -> Path:
    root = tmp_path / name
    shutil.copytree(CORPUS / name, root)
    return write(root, extra)


def test_falcon_get_app_is_followed_to_the_factory_that_builds_the_app(tmp_path):
    facts = detect(corpus_copy("falcon-look", tmp_path, **{"requirements.txt": "falcon\n"}))
    assert facts.candidate.target == "look.app:get_app()" and facts.candidate.framework == "falcon"
    assert "--factory" in facts.command and facts.command[-1] == "look.app:get_app"


def test_starlette_container_provider_is_served_in_factory_mode(tmp_path):
    facts = detect(corpus_copy("starlette-di", tmp_path))
    assert facts.candidate.target == "example:container.app()"
    assert facts.command[-2:] == ("--factory", "example:container.app")  # uvicorn, from its requirements


def test_an_app_variable_built_by_the_container_is_served_as_it_is(tmp_path):
    source = (CORPUS / "starlette-di" / "example.py").read_text() + "\napp = container.app()\n"
    facts = detect(corpus_copy("starlette-di", tmp_path, **{"example.py": source}))
    assert facts.candidate.target == "example:app"


def test_gunicorn_is_refused_for_an_attribute_path(tmp_path):
    root = write(tmp_path, {"app.py": bottle.__doc__.split("Good (served as `app:bottle.default_app()`)::")[1]})
    (root / "app.py").write_text(textwrap.dedent((root / "app.py").read_text().split("Bad (")[0]))
    with pytest.raises(DockwiseError, match="gunicorn cannot serve app:bottle.default_app"):
        detect(root, InitOptions(server="gunicorn"))
    assert "--factory" in detect(root).command  # granian follows the attribute path


def test_a_factory_defaulting_to_a_service_on_loopback_and_a_bottle_app_serving_itself_are_refused(tmp_path):
    with pytest.raises(DockwiseError, match=r"shortly.py:126 \(redis_host='localhost'\): the server calls"):
        detect(corpus_copy("werkzeug-shortly", tmp_path))
    with pytest.raises(DockwiseError, match=r"user-create-login-logout.py:119 .* development server"):
        detect(corpus_copy("bottle-accounts", tmp_path))


def test_pyramid_hello_built_under_main_is_handed_over_by_the_shim_init_writes(tmp_path):
    root = corpus_copy("pyramid-hello", tmp_path)
    facts = detect(root)
    assert (facts.candidate.target, facts.candidate.main_script) == ("dockwise_main:app()", "app.py")
    assert {"app.py", "dockwise_main.py"} <= set(facts.copies)
    shim = render_all(facts)["dockwise_main.py"]
    assert 'SCRIPT = "app.py"\n' in shim and shim.count("SCRIPT = ") == 1


def test_the_shim_runs_the_script_and_takes_the_app_instead_of_serving_it(tmp_path, monkeypatch):
    script = 'from wsgiref.simple_server import make_server\n\nif __name__ == "__main__":\n'
    script += "    def app(environ, start_response):\n        return [b'hi']\n"
    script += "    make_server('0.0.0.0', 6543, app).serve_forever()\n"
    write(tmp_path, {"serve.py": script, "dockwise_main.py": main_shim("serve.py")})
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "dockwise_main", raising=False)
    shim = importlib.import_module("dockwise_main")
    app = shim.app()
    assert app.__name__ == "app" and app({}, None) == [b"hi"]
    assert wsgiref.simple_server.make_server.__module__ == "wsgiref.simple_server"  # put back
    (tmp_path / "serve.py").write_text("print('no server')\n")
    with pytest.raises(RuntimeError, match="ran to its end without starting a server"):
        shim.app()
    with pytest.raises(ValueError):
        main_shim("x'); import os #.py")


def test_paste_egg_of_a_setup_py_project_is_the_project_installed_as_a_wheel(tmp_path):
    facts = detect(corpus_copy("pyramid-databases", tmp_path))  # more in test_setup_py.py
    assert facts.candidate.target == "tutorial:main" and facts.packaged and facts.project.file == "setup.py"


def test_paste_call_needs_no_installed_distribution_and_a_bad_factory_name_is_refused(tmp_path):
    files = {"hello/__init__.py": PASTE_PACKAGE["hello/__init__.py"], "requirements.txt": "pyramid==2.1\n"}
    root = write(tmp_path, {**files, "app.ini": "[app:main]\nuse = call:hello:main\n"})
    assert detect(root).command[-2:] == ("--paste", "app.ini")
    (root / "app.ini").write_text("[app:main]\nuse = call:hello:main; rm -rf /\n")
    with pytest.raises(DockwiseError, match="not MODULE:FUNCTION"):
        detect(root)
    (root / "app.ini").write_text("[app:main]\nuse = call:hello:absent\n")
    with pytest.raises(DockwiseError, match="no function of the app"):
        detect(root)


def test_src_layout_modules_are_named_as_installed(tmp_path):
    assert detect(corpus_copy("quart-blog", tmp_path)).candidate.target == "blog:app"
    files = frozenset({"src/blog/__init__.py", "src/blog/views.py", "src/tool.py"})
    assert import_path("src/blog/views.py", files) == "blog/views.py"
    assert import_path("src/tool.py", files) == "src/tool.py"  # not a package: run from the folder as it is
    assert import_path("src/blog/views.py", files | {"src/__init__.py"}) == "src/blog/views.py"


def test_factory_defaults_that_are_no_loopback_host_are_served(tmp_path):
    code = "from flask import Flask\n\ndef create_app(config={}, host='0.0.0.0', *, name=None):\n    return Flask(__name__)\n"
    assert detect(write(tmp_path, {"app.py": code})).candidate.target == "app:create_app()"


def test_a_module_level_app_made_by_its_own_factory_is_the_one_served(tmp_path):
    code = "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n\napp = create_app()\n"
    assert detect(write(tmp_path, {"app.py": code})).candidate.target == "app:app"
