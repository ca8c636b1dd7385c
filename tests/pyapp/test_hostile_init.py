"""Issue 19, part 2: app content cannot write into the files `dockwise init` generates. Each case the adversarial
probe found is here: init either refuses with exit 2 and one line, or writes files that parse (with parsers dockwise
does not own) to exactly the instructions, flags and compose keys of the same app without the hostile value."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.pyapp.generated import printed_safely, shape
from tests.pyapp.helpers import DJANGO, FLASK, GENERATED, run_init


def make_app(tmp_path: Path, files: dict[str, str | bytes], name: str = "app") -> Path:
    app = tmp_path / name
    for relative, text in files.items():
        path = app / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape"))
    return app


def flask_app(tmp_path: Path, extra: str = "", **files: str) -> Path:
    return make_app(tmp_path, {"app.py": FLASK + extra, "requirements.txt": "flask==3.1.0\n", **files})


def refused(result) -> str:
    """The one line of a refusal (exit 2), and nothing written."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def nothing_written(app: Path) -> bool:
    return not any((app / name).exists() for name in GENERATED)


def baseline_shape(tmp_path: Path, files: dict[str, str], *args: str) -> dict:
    app = make_app(tmp_path / "baseline", files)
    result = run_init(app, *args)
    assert result.exit_code == 0, result.output
    return shape(app)


# --- a string in the app reaches compose.yaml (privileged: true) -----------------------------------------------


def test_a_sqlite_path_with_a_newline_is_refused(tmp_path):
    app = flask_app(tmp_path, 'import sqlite3\nsqlite3.connect("a\\n    privileged: true\\n#.db")\n')
    assert "app.py:9: the write path" in refused(run_init(app)) and nothing_written(app)


@pytest.mark.parametrize(
    "settings, manage_value",
    [
        ("MEDIA_ROOT = 'media\\n    privileged: true'\n", "mysite.settings"),
        ("WSGI_APPLICATION = 'mysite.wsgi.application'\n", "mysite.settings\\n    privileged: true"),
    ],
    ids=["MEDIA_ROOT", "DJANGO_SETTINGS_MODULE"],
)
def test_django_values_with_a_newline_are_refused(tmp_path, settings, manage_value):
    files = dict(DJANGO)
    files["mysite/settings.py"] = settings
    files["manage.py"] = f'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{manage_value}")\n'
    app = make_app(tmp_path, files)
    line = refused(run_init(app))
    assert line.startswith(("error: mysite/settings.py:1:", "error: manage.py:2:")) and nothing_written(app)


# --- [project].name with a newline: `# syntax=` on line 1 ---------------------------------------------------------


def test_a_project_name_that_is_not_a_distribution_name_is_refused(tmp_path):
    app = flask_app(tmp_path, **{"pyproject.toml": '[project]\nname = "x\\n# syntax=evil/frontend"\nversion = "1"\n'})
    assert "pyproject.toml:2: the project name" in refused(run_init(app)) and nothing_written(app)


# --- file names in Dockerfile instructions --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["a\nRUN echo pwned.py", "$(touch x).py", "--from=x.py", "my module.py", 'q"uote.py', "caf\udce9.py"],
    ids=["newline", "command-substitution", "flag", "space", "quote", "not-utf8"],
)
def test_a_module_name_that_cannot_be_copied_safely_is_refused(tmp_path, name):
    app = flask_app(tmp_path, **{name: "X = 1\n"})
    line = refused(run_init(app))
    assert "cannot be used in a Dockerfile COPY safely" in line and nothing_written(app)


@pytest.mark.parametrize("name", ["--from=x.py", "$(touch x).py", "my-app.py"])
def test_an_app_in_a_module_that_is_not_an_identifier_is_refused(tmp_path, name):
    """The module is a word of `python -c "...find_spec('MODULE')..."` in a RUN: `$(...)` there ran in the build."""
    app = make_app(tmp_path, {name: FLASK, "requirements.txt": "flask==3.1.0\n"})
    assert "is not an importable MODULE:NAME" in refused(run_init(app))


@pytest.mark.parametrize("name", ["r.txt,from=x", "r r.txt", "$(id).txt", "-r.txt"])
def test_a_requirements_file_name_that_could_inject_a_mount_option_is_refused(tmp_path, name):
    app = flask_app(tmp_path, **{"requirements.txt": f"-r {shlex.quote('./' + name)}\n", name: "flask==3.1.0\n"})
    line = refused(run_init(app))
    assert "the dependency file name" in line and nothing_written(app)


# --- --setup ------------------------------------------------------------------------------------------------------


def test_setup_with_unbalanced_quotes_is_refused(tmp_path):
    app = flask_app(tmp_path)
    assert refused(run_init(app, "--setup", "flask 'init-db")).startswith("error: --setup ") and nothing_written(app)


@pytest.mark.parametrize(
    ("setup", "argv"),
    [("python -c \"print('a')\"", ["python", "-c", "print('a')"]), ("echo $HOME", ["echo", "$HOME"])],
)
def test_setup_with_a_quote_or_a_dollar_stays_literal_words(tmp_path, setup, argv):
    """Compose would expand `$HOME` and the image would not: the one-shot's words are written `$$`, so Compose hands
    the container the literal word, as the image's label has it."""
    app = flask_app(tmp_path)
    assert run_init(app, "--setup", setup).exit_code == 0
    one_shot = yaml.safe_load((app / "compose.yaml").read_text())["services"]["app-setup"]
    assert [word.replace("$$", "$") for word in one_shot["command"][-len(argv) :]] == argv
    assert one_shot["command"][-len(argv) - 1] == "--"


def test_setup_with_a_newline_stays_one_compose_value(tmp_path):
    app = flask_app(tmp_path)
    result = run_init(app, "--setup", "flask --app app 'init\n    privileged: true'")
    assert result.exit_code == 0, result.output
    assert shape(app) == baseline_shape(
        tmp_path, {"app.py": FLASK, "requirements.txt": "flask==3.1.0\n"}, "--setup", "flask init-db"
    )
    services = yaml.safe_load((app / "compose.yaml").read_text())["services"]
    assert not any("privileged" in service for service in services.values())
    assert services["app-setup"]["command"][-4:] == ["flask", "--app", "app", "init\n    privileged: true"]


# --- what init prints ---------------------------------------------------------------------------------------------


def test_the_summary_shows_escape_sequences_as_text_and_quotes_the_image_name(tmp_path):
    app = flask_app(tmp_path, "# \x1b]0;owned\x07\n", name="x")
    app = app.rename(tmp_path / "My App $(id) \x1b[2J")
    (app / "README.md").write_text("run `flask --app app';id;' init-db` first\n")
    result = run_init(app)
    assert result.exit_code == 0, result.output
    assert printed_safely(result.output), result.output
    assert "-t my-app-id-2j:standard ." in result.output  # a valid image reference, nothing for the shell to read
    assert "--setup 'flask --app app'\"'\"';id;'\"'\"' init-db'" in result.output


# --- reads of the app folder --------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/etc/passwd", "/dev/zero"])
def test_a_dependency_file_linked_outside_the_folder_is_refused_without_echoing_it(tmp_path, target):
    app = make_app(tmp_path, {"app.py": FLASK})
    (app / "requirements.txt").symlink_to(target)
    line = refused(run_init(app))
    assert "requirements.txt is a link to a file outside the app folder" in line and "root:" not in line


def run_in_subprocess(app: Path) -> subprocess.CompletedProcess:
    """A FIFO would block an in-process run for ever: the timeout fails the test instead."""
    return subprocess.run(
        [sys.executable, "-m", "dockwise.cli", "init", str(app)], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("name", ["requirements.txt", "views.py", "Procfile", "pyproject.toml"])
def test_a_fifo_is_refused_never_opened(tmp_path, name):
    app = flask_app(tmp_path)
    if (app / name).exists():
        (app / name).unlink()
    os.mkfifo(app / name)
    result = run_in_subprocess(app)
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr.strip()
        == f"error: {name} is not a regular file (a FIFO, device, socket or directory) — replace it with a regular file"
    )


def test_an_unreadable_readme_is_skipped(tmp_path):
    app = flask_app(tmp_path)
    (app / "README.md").symlink_to("/dev/zero")
    assert run_init(app).exit_code == 0


def test_dry_run_never_shows_a_file_linked_from_outside(tmp_path):
    app = flask_app(tmp_path)
    (app / "Dockerfile").symlink_to("/etc/passwd")
    result = run_init(app, "--dry-run", "--force")
    assert result.exit_code == 0 and "root:" not in result.output


# --- Procfile and ports -----------------------------------------------------------------------------------------


def dockerfile_of(app: Path) -> str:
    return (app / "Dockerfile").read_text()


@pytest.mark.parametrize(
    "web, expected",
    [
        ("gunicorn --bind 127.0.0.1:$PORT app:app", '["/opt/venv/bin/gunicorn", "--bind", "0.0.0.0:8000", "app:app"]'),
        ("gunicorn -b localhost:5000 app:app", '["/opt/venv/bin/gunicorn", "-b", "0.0.0.0:5000", "app:app"]'),
        (
            "uvicorn --host 127.0.0.1 --port 9000 app:app",
            '["/opt/venv/bin/uvicorn", "--host", "0.0.0.0", "--port", "9000", "app:app"]',
        ),
        ("uvicorn --port 9000 app:app", '["/opt/venv/bin/uvicorn", "--host", "0.0.0.0", "--port", "9000", "app:app"]'),
    ],
)
def test_a_procfile_binding_loopback_is_moved_to_all_interfaces_and_its_port_exposed(tmp_path, web, expected):
    app = flask_app(tmp_path, **{"Procfile": f"web: {web}\n"})
    result = run_init(app)
    assert result.exit_code == 0, result.output
    text = dockerfile_of(app)
    assert f"CMD {expected}" in text
    port = json.loads(expected)[json.loads(expected).index("0.0.0.0") + 2] if "--host" in expected else None
    exposed = port or expected.split("0.0.0.0:")[1].split('"')[0]
    assert f"EXPOSE {exposed}\n" in text and f"127.0.0.1:{exposed}/" in text
    if "127.0.0.1" in web or "localhost" in web:
        assert "listens on loopback only" in result.output


def test_a_procfile_port_that_is_not_the_port_flag_is_moved_to_it(tmp_path):
    app = flask_app(tmp_path, **{"Procfile": "web: gunicorn --bind 0.0.0.0:5000 app:app\n"})
    result = run_init(app, "--port", "7000")
    assert result.exit_code == 0, result.output
    assert '"--bind", "0.0.0.0:7000"' in dockerfile_of(app) and "EXPOSE 7000\n" in dockerfile_of(app)
    assert "binds port 5000: moved to 7000" in result.output


@pytest.mark.parametrize(
    "files",
    [
        {"Procfile": "web: gunicorn --bind 0.0.0.0:${PORT:-99999} app:app\n"},
        {"Procfile": "web: gunicorn --bind 0.0.0.0:${PORT:-" + "9" * 5000 + "} app:app\n"},
        {"Procfile": "web: gunicorn --bind 0.0.0.0:70000 app:app\n"},
    ],
    ids=["default-99999", "default-5000-digits", "literal-70000"],
)
def test_a_procfile_port_above_65535_is_refused(tmp_path, files):
    app = flask_app(tmp_path, **files)
    assert "not a TCP port" in refused(run_init(app))


@pytest.mark.parametrize("port", ['"99999"', '"\u00b2"', '"' + "9" * 5000 + '"', "0"])
def test_a_port_in_the_code_that_is_not_a_tcp_port_is_not_used(tmp_path, port):
    app = flask_app(tmp_path, f'\nif __name__ == "__main__":\n    app.run(port={port})\n')
    result = run_init(app)
    assert result.exit_code == 0, result.output
    assert "EXPOSE 8000\n" in dockerfile_of(app)


def test_an_upload_folder_outside_app_exists_in_the_final_image(tmp_path):
    app = flask_app(tmp_path, 'UPLOAD_FOLDER = "/srv/uploads"\n')
    assert run_init(app).exit_code == 0
    for name in ("Dockerfile", "Dockerfile.distroless"):
        text = (app / name).read_text()
        assert "ln -sT /data/uploads /links/srv/uploads" in text
        final = text.rsplit("\nFROM ", 1)[1]
        assert "COPY --from=builder /links/ /\n" in final  # the link reaches the final stage, not just the builder


@pytest.mark.parametrize("path", ["/etc", "/usr/local/uploads", "/", "/x.db", "../../x.db"])
def test_a_write_path_over_a_system_directory_is_refused(tmp_path, path):
    app = flask_app(tmp_path, f'UPLOAD_FOLDER = "{path}"\n')
    assert refused(run_init(app)).startswith("error: app.py:8: ")


# --- input that used to be an internal error (exit 3) ---------------------------------------------------------------

EXIT_3_CASES = {
    "cmd-unbalanced": ({}, ("--cmd", "gunicorn 'app:app")),
    "pyproject-name-int": ({"pyproject.toml": "[project]\nname = 5\n"}, ()),
    "pyproject-project-string": ({"pyproject.toml": 'project = "x"\n'}, ()),
    "pyproject-dependency-int": ({"pyproject.toml": '[project]\nname = "x"\ndependencies = [5]\n'}, ()),
    "pyproject-requires-python-int": ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = 3\n'}, ()),
    "pyproject-build-system-string": ({"pyproject.toml": 'build-system = "x"\n'}, ()),
    "pyproject-tool-string": ({"pyproject.toml": 'tool = "x"\n'}, ()),
    "pyproject-deep": ({"pyproject.toml": "a = " + "[" * 5000 + "]" * 5000 + "\n"}, ()),
    "pyproject-not-utf8": ({"pyproject.toml": b'[project]\nname = "\xff"\n'}, ()),
    "uv-lock-package-int": ({"uv.lock": "package = 5\n", "pyproject.toml": '[project]\nname = "x"\n'}, ()),
    "uv-lock-nameless": ({"uv.lock": "[[package]]\nversion = '1'\n", "pyproject.toml": '[project]\nname = "x"\n'}, ()),
    "uv-lock-source-string": (
        {"uv.lock": "[[package]]\nname = 'a'\nsource = 'x'\n", "pyproject.toml": '[project]\nname = "x"\n'},
        (),
    ),
    "poetry-lock-nameless": (
        {"poetry.lock": "[[package]]\nversion = '1'\n", "pyproject.toml": '[tool.poetry]\nname = "x"\n'},
        (),
    ),
    "poetry-tool-string": ({"poetry.lock": "", "pyproject.toml": 'tool = {poetry = "x"}\n'}, ()),
    "pipfile-lock-list": ({"Pipfile.lock": "[1]"}, ()),
    "pipfile-lock-entry-string": ({"Pipfile.lock": '{"default": {"flask": "x"}}'}, ()),
    "pipfile-lock-deep": ({"Pipfile.lock": "[" * 100000 + "]" * 100000}, ()),
    "pipfile-lock-marker-newline": (
        {
            "Pipfile.lock": json.dumps(
                {"default": {"flask": {"version": "==3.1.0", "hashes": ["sha256:" + "0" * 64], "markers": "x\n-i y"}}}
            )
        },
        (),
    ),
    "python-version-5000-digits": ({".python-version": "3." + "9" * 5000 + "\n"}, ()),
    "python-flag-5000-digits": ({}, ("--python", "3." + "9" * 5000)),
    "app-nul-byte": ({"app.py": FLASK + "\x00\n"}, ()),
    "app-deep-expression": ({"app.py": FLASK + "x = " + " + ".join(["1"] * 30000) + "\n"}, ()),
    "app-not-utf8": ({"app.py": FLASK.encode() + b"# \xff\n"}, ()),
    "app-huge": ({"app.py": FLASK + "# " + "x" * (5 * 1024 * 1024) + "\n"}, ()),
    "django-env-name": (
        {**DJANGO, "mysite/settings.py": "import os\nSTATIC_ROOT = 'static'\nKEY = os.environ['A B; id']\n"},
        (),
    ),
    "django-wsgi-no-module": ({**DJANGO, "mysite/settings.py": "WSGI_APPLICATION = 'x'\n"}, ()),
    "app-flag-not-identifiers": ({}, ("--app", "..:app")),
}


@pytest.mark.parametrize("files, args", list(EXIT_3_CASES.values()), ids=list(EXIT_3_CASES))
def test_bad_input_that_was_an_internal_error_exits_2_in_one_line(tmp_path, files, args):
    base = {"app.py": FLASK, "requirements.txt": "flask==3.1.0\n"}
    app = make_app(tmp_path, {**base, **files})
    refused(run_init(app, *args))
    assert nothing_written(app)


def test_a_settings_module_assigned_in_a_cycle_is_not_followed_for_ever(tmp_path):
    manage = 'import os\nA = B\nB = A\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", A)\n'
    app = make_app(tmp_path, {**DJANGO, "manage.py": manage})
    assert "does not set DJANGO_SETTINGS_MODULE" in refused(run_init(app))


def test_a_chain_of_requirements_includes_deeper_than_python_recursion_is_refused(tmp_path):
    files = {f"r{i}.txt": f"-r r{i + 1}.txt\n" for i in range(1200)}
    app = flask_app(tmp_path, **{**files, "requirements.txt": "-r r0.txt\n", "r1200.txt": "flask==3.1.0\n"})
    assert "include each other more than 50 deep" in refused(run_init(app))


def test_a_chain_of_settings_star_imports_deeper_than_python_recursion_is_refused(tmp_path):
    files = {f"mysite/s{i}.py": f"from mysite.s{i + 1} import *\n" for i in range(1200)}
    files["mysite/s1200.py"] = "X = 1\n"
    files["mysite/settings.py"] = "from mysite.s0 import *\nWSGI_APPLICATION = 'mysite.wsgi.application'\n"
    app = make_app(tmp_path, {**DJANGO, **files})
    assert "star-import each other more than 50 deep" in refused(run_init(app))
