"""docs/init-peers.md: what Nixpacks, Railpack, Paketo, Heroku's Python buildpack and `docker init` do with each
corpus app, by their documented rules applied to the app's files.

The rules are the ones read from each tool's source and docs in ../shared/research/init.md and init-breadth.md
(Nixpacks src/providers/python.rs @f51d7fd5, Railpack core/providers/python @b5e80580, Paketo python @35545573,
heroku-buildpack-python @b4e7e721, docker init's documented prompts). They are applied here, not run: each cell is
what the rules give for the files present (which manifest, which start command, which Python), and where the rules
give nothing. Dependency names are matched by substring, as Nixpacks and Railpack do.

    python benchmarks/init_peers.py > docs/init-peers.md
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "corpus"
MAIN_FILES = ("main.py", "app.py", "start.py", "bot.py", "hello.py", "server.py")  # Railpack's list


@dataclass(frozen=True)
class App:
    name: str
    files: frozenset[str]  # names at the app's root
    deps: str  # every dependency file's text, lower-cased (substring matching, as the peers do)
    procfile_web: str | None
    pyproject: dict
    wsgi_module: str | None  # from WSGI_APPLICATION, as Nixpacks/Railpack read it
    python_pin: str | None  # .python-version / runtime.txt / Pipfile python_version


def read_app(path: Path) -> App:
    files = frozenset(p.name for p in path.iterdir())
    texts = [
        p.read_text(errors="replace")
        for p in [*path.glob("requirements*.txt"), *path.glob("requirements/*"), path / "Pipfile", path / "setup.py"]
        if p.is_file()
    ]
    pyproject = tomllib.loads((path / "pyproject.toml").read_text()) if "pyproject.toml" in files else {}
    if pyproject:
        texts.append((path / "pyproject.toml").read_text())
    web = None
    if "Procfile" in files:
        for line in (path / "Procfile").read_text().splitlines():
            if line.startswith("web:"):
                web = line[4:].strip()
    wsgi = None
    for py in path.rglob("*.py"):
        found = re.search(r"WSGI_APPLICATION\s*=\s*['\"]([\w.]+)\.application['\"]", py.read_text(errors="replace"))
        if found:
            wsgi = found.group(1)
    pin = None
    for name in (".python-version", "runtime.txt"):
        if name in files:
            lines = [line for line in (path / name).read_text().splitlines() if line and not line.startswith("#")]
            pin = lines[0].strip().removeprefix("python-") if lines else None
            break
    if pin is None and "Pipfile" in files:
        found = re.search(r'python_version\s*=\s*"([\d.]+)"', (path / "Pipfile").read_text())
        pin = found.group(1) if found else None
    return App(path.name, files, "\n".join(texts).lower(), web, pyproject, wsgi, pin)


def _minor(version: str) -> tuple[int, int]:
    major, minor = (int(part) for part in version.split(".")[:2])
    return major, minor


def _serves_itself(app: App, name: str) -> bool:
    text = (CORPUS / app.name / name).read_text(errors="replace")
    return bool(re.search(r"__main__|\brun(_app|_simple)?\(|serve(_forever)?\(|\.listen\(", text))


def _django(app: App) -> bool:
    return "manage.py" in app.files and "django" in app.deps


def _main_file(app: App) -> str | None:
    return next((name for name in MAIN_FILES if name in app.files), None)


def nixpacks(app: App) -> str:
    if not app.files & {"main.py", "requirements.txt", "pyproject.toml", "Pipfile"}:
        return "not detected as Python (no main.py, requirements.txt, pyproject.toml or Pipfile at the root)"
    if "requirements.txt" in app.files:
        install = "pip -r requirements.txt"
    elif "poetry.lock" in app.files:
        install = "poetry 1.3.1 install --no-dev"
    elif "pdm.lock" in app.files:
        install = "pdm install --prod"
    elif "uv.lock" in app.files:
        install = "uv sync --frozen"
    elif "pyproject.toml" in app.files:
        install = "pip install . (the app built as a package)"
    else:
        install = "pipenv install"
    if app.procfile_web:
        start = f"Procfile: `{app.procfile_web}`"
    elif _django(app):
        start = f"`migrate && gunicorn {app.wsgi_module}`" if app.wsgi_module else "build fails: no WSGI_APPLICATION"
        if "gunicorn" not in app.deps:
            start += " (gunicorn not installed: fails at start)"
    elif "main.py" in app.files:
        start = "`python main.py`" + ("" if _serves_itself(app, "main.py") else " (does not serve itself: exits)")
    elif app.pyproject.get("project", {}).get("name") or app.pyproject.get("tool", {}).get("poetry", {}).get("name"):
        name = app.pyproject.get("project", {}).get("name") or app.pyproject["tool"]["poetry"]["name"]
        start = f"`python -m {name}`"
    else:
        start = "no start command: the build stops"
    return f"{install}; {start}; Python {app.python_pin or '3.11 (default)'}"


def railpack(app: App) -> str:
    main = _main_file(app)
    if not main and not app.files & {"requirements.txt", "pyproject.toml", "Pipfile"}:
        return "not detected as Python (no main/app/server.py, requirements.txt, pyproject.toml or Pipfile)"
    if "requirements.txt" in app.files:
        install = "pip -r requirements.txt"
    elif "uv.lock" in app.files:
        install = "uv sync --locked"
    elif "poetry.lock" in app.files:
        install = "poetry install --only main"
    elif "pdm.lock" in app.files:
        install = "pdm install --prod"
    elif "Pipfile" in app.files:
        install = "pipenv install --deploy" if "Pipfile.lock" in app.files else "pipenv install --skip-lock"
    else:
        install = "nothing installed (a pyproject without a lock gets no install step)"
    if app.procfile_web:
        start = f"Procfile: `{app.procfile_web}`"
    elif _django(app):
        start = f"`migrate && gunicorn {app.wsgi_module}:application`"
        if "gunicorn" not in app.deps:
            start += " (gunicorn not installed: fails at start)"
    elif main and "fastapi" in app.deps and "uvicorn" in app.deps:
        start = "`uvicorn main:app`" + ("" if main == "main.py" else f" (the app is in {main}: fails)")
    elif main and "flask" in app.deps and "gunicorn" in app.deps:
        start = "`gunicorn main:app`" + ("" if main == "main.py" else f" (the app is in {main}: fails)")
    elif main:
        start = f"`python {main}`" + ("" if _serves_itself(app, main) else " (the file does not serve itself: exits)")
    else:
        start = "no start command: the build stops"
    version = f"Python {app.python_pin or '3.13 (default)'}"
    if app.python_pin and _minor(app.python_pin) < (3, 10):
        version = f"Python {app.python_pin} refused (3.10 or later only)"
    return f"{install}; {start}; {version}"


def paketo(app: App) -> str:
    tool = app.pyproject.get("tool", {})
    if "requirements.txt" in app.files:
        install = "pip-install"
    elif "Pipfile" in app.files:
        install = "pipenv-install"
    elif "poetry" in tool:
        install = "poetry-install"
    elif "uv.lock" in app.files:
        install = "uv-install"
    else:
        install = "no install buildpack detects (no requirements.txt/Pipfile/Poetry/uv)"
    start = f"Procfile: `{app.procfile_web}`" if app.procfile_web else "default process `python` (a REPL): not served"
    version = app.python_pin if "Pipfile" in app.files and app.python_pin else "3.11 (default)"
    return f"{install}; {start}; Python {version}"


def heroku(app: App) -> str:
    managers = [f for f in ("requirements.txt", "Pipfile.lock", "poetry.lock", "uv.lock") if f in app.files]
    if "Pipfile" in app.files and "Pipfile.lock" not in app.files:
        return "build error: a Pipfile without Pipfile.lock is refused"
    if len(managers) > 1:
        return f"build error: several package managers ({', '.join(managers)})"
    if not managers:
        found = [f for f in ("pyproject.toml", "pdm.lock", "setup.py") if f in app.files]
        if found:
            return f"build error: no requirements.txt/Pipfile.lock/poetry.lock/uv.lock ({', '.join(found)} not used)"
        return "build error: no dependency file (asks for an empty requirements.txt)"
    if managers == ["uv.lock"] and ".python-version" not in app.files:
        return "build error: a uv project needs a .python-version"
    if app.python_pin and not (3, 10) <= _minor(app.python_pin) <= (3, 14):
        return f"build error: Python {app.python_pin} is not supported (3.10 to 3.14)"
    steps = [f"installs from {managers[0]}"]
    if _django(app):
        steps.append("collectstatic at build")
    steps.append(f"web: `{app.procfile_web}`" if app.procfile_web else "no web process (Procfile required)")
    return "; ".join(steps) + f"; Python {app.python_pin or '3.14 (default)'}"


def docker_init(app: App) -> str:
    if "requirements.txt" not in app.files:
        return "Dockerfile installs requirements.txt only: the build fails (none here); command typed by the user"
    guess = "gunicorn" if "gunicorn" in app.deps else "gunicorn (not in requirements.txt: `gunicorn: not found`)"
    return f"pip -r requirements.txt; command prompted, {guess} suggested; Python prompted"


def main() -> int:
    apps = [read_app(p) for p in sorted(CORPUS.iterdir()) if (p / "routes.toml").is_file()]
    print("# What the peers do with the corpus apps")
    print()
    print(
        "Each cell applies the tool's documented rules (source read at the commits named in "
        "`../shared/research/init.md` and `init-breadth.md`) to the app's files in `tests/fixtures/corpus/`: "
        "which dependency file is installed, which start command is chosen, which Python. It is the rules' "
        "outcome, not a run of the tool. Generated by `python benchmarks/init_peers.py`; dockwise's own outcome "
        "on the same apps is in `docs/benchmarks/init_corpus.md`."
    )
    print()
    print("| app | Nixpacks | Railpack | Paketo | Heroku (classic) | `docker init` |")
    print("|---|---|---|---|---|---|")
    for app in apps:
        cells = [nixpacks(app), railpack(app), paketo(app), heroku(app), docker_init(app)]
        print(f"| {app.name} | " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    print()
    print(
        "None of the five finds a Falcon, Bottle, Pyramid, aiohttp, Tornado, Sanic, Quart or Litestar app object, "
        "a `create_app()` factory or a dependency-injection container: such an app is served only through a "
        "Procfile the user writes, or by Railpack's `python <main file>` fallback when the file happens to be "
        "called main.py/app.py/server.py and serves itself. None picks the Python version by wheel availability "
        "(an app pinned in 2021–2023 gets the tool's default, 3.11 to 3.14). Only Heroku refuses ambiguous "
        "layouts with a message; Nixpacks builds a pyproject app as a package (`pip install .`), Railpack installs "
        "nothing for a pyproject without a lock."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
