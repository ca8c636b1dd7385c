"""aiohttp, Sanic and Tornado providers and the self-serving fallback (issue 18, class 3): each provider's docstring
examples are run (the best practice is served, the anti-pattern refused in one line), the corpus apps are read as
their routes.toml says they run, and the runner a server without a SIGTERM handler gets is executed for real."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dockwise.core.devserver import dev_server_reason
from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp import selfserve
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.frameworks import aiohttp as aiohttp_provider
from dockwise.pyapp.frameworks import by_name
from dockwise.pyapp.frameworks import sanic as sanic_provider
from dockwise.pyapp.frameworks import tornado as tornado_provider
from dockwise.pyapp.render import render_all
from dockwise.pyapp.scan import Module

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
PROVIDERS = (aiohttp_provider, sanic_provider, tornado_provider)


def make_app(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def examples(doc: str) -> dict[str, str]:
    """A provider docstring's `Best practice::` and `Anti-pattern::` blocks (indented code after the marker)."""
    found = {}
    for kind in ("Best practice", "Anti-pattern"):
        block = re.search(rf"^{kind}::\n\n((?:    .*\n|\n)+)", doc, re.M)
        assert block, f"no {kind}:: block"
        found[kind] = textwrap.dedent(block.group(1))
    return found


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda m: m.FRAMEWORK.name)
def test_provider_best_practice_is_served(provider, tmp_path):
    code = examples(provider.__doc__)["Best practice"]
    found = detect(make_app(tmp_path, {"app.py": code}))
    assert found.framework == provider.FRAMEWORK.name
    assert found.command[0].startswith("/opt/venv/bin/")


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda m: m.FRAMEWORK.name)
def test_provider_anti_pattern_is_refused_in_one_line(provider, tmp_path):
    code = examples(provider.__doc__)["Anti-pattern"]
    with pytest.raises(DockwiseError) as refused:
        detect(make_app(tmp_path, {"app.py": code}))
    assert refused.value.exit_code == EXIT_USAGE and "\n" not in str(refused.value)


def test_selfserve_bad_and_good_examples(tmp_path):
    doc = selfserve.__doc__ or ""
    bad = re.search(r"^Bad: `([^`]+)`", doc, re.M).group(1)  # type: ignore[union-attr]
    head = "from aiohttp import web\napp = web.Application()\n"
    with pytest.raises(DockwiseError, match="loopback"):
        detect(make_app(tmp_path / "bad", {"serve.py": head + bad + "\n"}))
    good = re.search(r"^Good: `([^`]+)`", doc, re.M).group(1).split("`")[0]  # type: ignore[union-attr]
    found = detect(make_app(tmp_path / "good", {"serve.py": head + good + "\n"}))
    assert found.command == ("/opt/venv/bin/python", "serve.py") and found.port == 8080


ASYNC_FACTORY = """
    from aiohttp import web

    async def make_app():
        app = web.Application()
        return app
"""


def test_aiohttp_async_factory_is_awaited_by_gunicorns_aiohttp_worker(tmp_path):
    found = detect(make_app(tmp_path, {"app.py": ASYNC_FACTORY}))
    assert found.server.server.name == "gunicorn" and found.server.added
    words = list(found.command)
    assert words[words.index("--worker-class") + 1] == "aiohttp.GunicornWebWorker"
    assert words[words.index("--workers") + 1] == "1" and "--threads" not in words
    assert words[-1] == "app:make_app"  # no (): the worker awaits the coroutine function itself
    assert found.warnings == () or all("threads" not in w for w in found.warnings)  # no gthread slow-client warning


def test_aiohttp_sync_factory_is_called_by_gunicorn(tmp_path):
    code = "from aiohttp import web\n\ndef init():\n    return web.Application()\n"
    found = detect(make_app(tmp_path, {"app.py": code}))
    assert found.command[-1] == "app:init()"


def test_a_module_that_serves_on_import_is_run_as_a_script(tmp_path):
    code = "from aiohttp import web\n\ndef init():\n    return web.Application()\n\nweb.run_app(init())\n"
    found = detect(make_app(tmp_path, {"srv.py": code}))
    assert found.candidate is None and found.server is None
    assert found.command == ("/opt/venv/bin/python", "srv.py") and found.port == 8080
    assert any("importing srv starts its server (srv.py:6)" in note for note in found.notes)
    assert any("not a dedicated production server" in w and "60 s" in w for w in found.warnings)
    assert found.import_check == "srv"
    with pytest.raises(DockwiseError, match="binds 8080 itself"):
        detect(tmp_path, InitOptions(port=9000))


def test_a_script_reading_port_from_the_environment_follows_the_port_flag(tmp_path):
    code = (
        "import os\nfrom aiohttp import web\napp = web.Application()\n"
        "if __name__ == '__main__':\n    web.run_app(app, host=os.environ.get('HOST', '0.0.0.0'), "
        "port=int(os.environ.get('PORT', 8080)))\n"
    )
    make_app(tmp_path, {"app.py": code})
    # a module-level app is importable: gunicorn serves it, the script is not needed
    assert detect(tmp_path).command[0] == "/opt/venv/bin/gunicorn"
    (tmp_path / "app.py").write_text(
        code.replace("app = web.Application()\n", "").replace("(app,", "(web.Application(),")
    )
    found = detect(tmp_path, InitOptions(port=9001))
    assert found.command == ("/opt/venv/bin/python", "app.py") and found.port == 9001
    assert "reads $PORT" in next(d.evidence for d in found.decisions if d.topic == "port")


@pytest.mark.parametrize(
    "call",
    ["app.listen(8888, address='127.0.0.1')", "app.listen(8888, 'localhost')", "app.listen(port=8888, address='::1')"],
)
def test_tornado_loopback_bind_is_refused(tmp_path, call):
    code = f"import tornado.web\nimport tornado.ioloop\napp = tornado.web.Application([])\n{call}\ntornado.ioloop.IOLoop.current().start()\n"
    with pytest.raises(DockwiseError, match="loopback only") as refused:
        detect(make_app(tmp_path, {"app.py": code}))
    assert refused.value.exit_code == EXIT_USAGE


def test_tornado_options_port_is_passed_as_a_flag_and_the_port_flag_changes_it(tmp_path):
    app = make_app(tmp_path, {"app.py": (CORPUS / "tornado-hello" / "helloworld.py").read_text()})
    found = detect(app, InitOptions(port=9100))
    assert found.port == 9100 and found.command[:2] == ("/opt/venv/bin/python", "-c")
    assert "'--port=9100'" in found.command[2]
    assert next(d for d in found.decisions if d.topic == "stop").value == "SIGTERM ends the script (exit 0)"


def test_tornado_option_never_parsed_is_a_fixed_port(tmp_path):
    code = (
        "import tornado.web, tornado.ioloop\nfrom tornado.options import define, options\n"
        "define('port', default=8123)\napp = tornado.web.Application([])\napp.listen(options.port)\n"
        "tornado.ioloop.IOLoop.current().start()\n"
    )
    found = detect(make_app(tmp_path, {"app.py": code}))
    assert found.port == 8123 and "'--port=" not in found.command[2]
    with pytest.raises(DockwiseError, match="binds 8123 itself"):
        detect(tmp_path, InitOptions(port=8000))


def test_two_self_serving_scripts_are_refused(tmp_path):
    script = "from aiohttp import web\nweb.run_app(web.Application())\n"
    with pytest.raises(DockwiseError, match="2 scripts serve an app themselves"):
        detect(make_app(tmp_path, {"a.py": script, "b.py": script}))


def test_flask_app_run_is_never_the_fallback(tmp_path):
    code = (
        "from flask import Flask\nif __name__ == '__main__':\n    app = Flask(__name__)\n    app.run(host='0.0.0.0')\n"
    )
    with pytest.raises(DockwiseError, match="built only under") as refused:
        detect(make_app(tmp_path, {"app.py": code}))
    assert refused.value.exit_code == EXIT_USAGE


def test_a_script_that_also_calls_a_dev_server_is_refused(tmp_path):
    code = (
        "from aiohttp import web\nimport flask\n"
        "if __name__ == '__main__':\n    other = flask.Flask('x')\n    other.run()\n    web.run_app(web.Application())\n"
    )
    with pytest.raises(DockwiseError, match="development server"):
        detect(make_app(tmp_path, {"app.py": code}))


def test_dev_server_line_is_unchanged():
    scripts = {
        "flask.py": "from flask import Flask\napp = Flask(__name__)\napp.run()\n",
        "aio.py": "from aiohttp import web\nweb.run_app(web.Application())\n",
        "tornado.py": "import tornado.web\napp = tornado.web.Application([])\napp.listen(8888)\n",
    }
    reason = {name: dev_server_reason(["python", name], scripts.get) for name in scripts}
    assert reason["flask.py"] and reason["aio.py"] is None and reason["tornado.py"] is None


def test_the_runner_runs_the_script_as_main_with_its_options_and_exits_0_on_sigterm(tmp_path):
    """The runner's `python -c` code, executed by this interpreter: the script sees itself as __main__ with the
    options dockwise passes, and SIGTERM (which this script does not handle) ends it with exit 0."""
    script = (
        "import os, signal, sys, time\n"
        "if __name__ == '__main__':\n"
        "    print(sys.argv, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(30)\n"
        "    sys.exit(3)\n"
    )
    make_app(tmp_path, {"sub/serve.py": script})
    module = Module("sub/serve.py", "sub.serve", ast.parse(script), script)
    own = by_name("tornado").own_server
    argv = selfserve._runner(module, False, ("--port=8888",), own)
    done = subprocess.run([sys.executable, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['sub/serve.py', '--port=8888']"
    assert argv[0] == "/opt/venv/bin/python"


CORPUS_EXPECTED = {
    "aiohttp-chat": ("gunicorn", "aiohttpdemo_chat.main:init_app", 8000),
    "aiohttp-web-srv": ("python", "web_srv.py", 8080),
    "tornado-chat": ("python", "--port=8888", 8888),
    "tornado-hello": ("python", "--port=8888", 8888),
    "sanic-hello": ("uvicorn", "hello_world:app", 8000),
    "sanic-di": ("uvicorn", "giphynavigator.application:create_app", 8000),
}


@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTED))
def test_corpus_apps_are_found(name):
    program, word, port = CORPUS_EXPECTED[name]
    found = detect(CORPUS / name)
    assert found.command[0] == f"/opt/venv/bin/{program}" and found.port == port
    assert word in found.command[-1], found.command
    cmd = next(line for line in render_all(found)["Dockerfile.distroless"].splitlines() if line.startswith("CMD "))
    assert tuple(json.loads(cmd.removeprefix("CMD "))) == found.command  # exec form, exactly the argv


UVICORN_SCRIPT = """
    import os

    import uvicorn
    from somewhere import build

    if __name__ == "__main__":
        uvicorn.run(build(), {host}port=int(os.environ.get("PORT", 8000)))
"""


def test_uvicorn_run_in_a_script_is_the_fallback_when_no_app_is_found(tmp_path):
    found = detect(make_app(tmp_path, {"run.py": UVICORN_SCRIPT.format(host='host="0.0.0.0", ')}))
    assert found.command == ("/opt/venv/bin/python", "run.py") and found.port == 8000
    assert found.framework == "uvicorn" and any("timeout_graceful_shutdown" in w for w in found.warnings)


def test_uvicorn_run_with_its_default_loopback_host_is_refused(tmp_path):
    with pytest.raises(DockwiseError, match="binds 127.0.0.1, loopback only"):
        detect(make_app(tmp_path, {"run.py": UVICORN_SCRIPT.format(host="")}))


def test_an_app_candidate_wins_over_its_own_uvicorn_run(tmp_path):
    code = "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\nif __name__ == '__main__':\n    uvicorn.run(app)\n"
    found = detect(make_app(tmp_path, {"main.py": code}))
    assert found.command[0] == "/opt/venv/bin/uvicorn" and found.command[-1] == "main:app"


def test_a_self_serving_app_says_so_in_its_plan():
    found = detect(CORPUS / "tornado-hello")
    assert (found.framework, found.interface, found.candidate, found.server) == ("tornado", "self", None, None)


def test_among_factories_the_one_its_own_server_runs_is_the_app(tmp_path):
    code = (
        "from aiohttp import web\n\nasync def init_app():\n    return web.Application()\n\n"
        "async def get_app():\n    app = await init_app()\n    return app\n\n"
        "def main():\n    app = init_app()\n    web.run_app(app)\n\nif __name__ == '__main__':\n    main()\n"
    )
    found = detect(make_app(tmp_path, {"main.py": code}))
    assert found.candidate.target == "main:init_app()" and found.command[-1] == "main:init_app"
    assert any("main:get_app() (aiohttp factory, main.py:6): not the app" in note for note in found.notes)
