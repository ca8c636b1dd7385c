"""What the app writes while it runs (SQLite files, Flask's instance folder, uploads, Django's media root) and the
setup steps it documents or needs (`flask init-db`, `manage.py migrate`, a create_db.py)."""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dockwise.pyapp.destroys import Destruction, script_function
from dockwise.pyapp.entry import Candidate
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.layouts.project import ConsoleScript
from dockwise.pyapp.pyast import PathEvaluator, dotted, import_aliases, keyword, literal
from dockwise.pyapp.scan import Module, read_app_file
from dockwise.service.profile import HARDENED
from dockwise.service.setup_once import SetupScope

APP_DIR = PurePosixPath("/app")
VENV = PurePosixPath("/opt/venv")
DATA_DIR = PurePosixPath("/data")
TMPFS_DIR = PurePosixPath(next(iter(HARDENED.tmpfs)))  # the hardened run profile mounts a tmpfs there
# Directories of the base image a write path must not replace (a symlink there would break the image).
_SYSTEM = frozenset(
    {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys", "usr"}
)
_SYSTEM_VAR = frozenset({"backups", "cache", "lib", "local", "lock", "log", "mail", "opt", "run", "spool", "tmp"})
_SQLITE_URL = re.compile(r"sqlite(?:\+\w+)?:///(.+)")
_SQLITE_URL_IN_TEXT = re.compile(r"sqlite(?:\+\w+)?:///[^\s'\"#,;]+")
_SETUP_WORDS = re.compile(r"(init|create|setup|migrate|seed|bootstrap)[-_]?(db|database|tables|schema)?", re.I)
_README_STEPS = (
    re.compile(r"((?:python3? -m )?flask(?: --app \S+)? (?:init-db|init_db|initdb|create-db|create_db|db upgrade))"),
    re.compile(r"((?:python3? )?(?:\./)?manage\.py migrate)"),
    re.compile(r"(python3? (?:\./)?(?:create|init|setup)_?\w*\.py)"),
)
# A console script named like `init_db`, `initialize_wiki_db`, `create-tables`: a name alone, so stricter than above.
_SETUP_SCRIPT = re.compile(
    r"(?:init\w*|create|setup|seed|bootstrap|migrate)(?:[-_]\w+)*?[-_](?:db|database|tables|schema)", re.I
)
SETUP_SCRIPTS = ("create_db.py", "init_db.py", "setup_db.py", "create_tables.py", "initdb.py", "seed.py")


@dataclass(frozen=True)
class WritablePath:
    path: PurePosixPath  # where the app writes, in the image
    is_dir: bool
    evidence: Evidence
    why: str
    env: str | None = None  # the app reads this location from the environment: the image sets it to `path`


@dataclass(frozen=True)
class SetupStep:
    command: str  # as the user would type it
    evidence: Evidence
    why: str
    destroys: Destruction | None = None  # what it destroys: then it runs once per data volume, ever

    @property
    def scope(self) -> SetupScope:
        return "volume" if self.destroys else "release"


def how_often(scope: SetupScope, destroys: Destruction | None) -> str:
    """When a setup step runs, in the words init prints."""
    if scope == "volume":
        reason = f"{destroys}, so never at every start" if destroys else "never at every start"
        return f"runs once per data volume, ever, before the server starts: {reason}"
    return "runs once per release and data volume, before the server starts"


def writable_place(path: PurePosixPath) -> bool:
    """Whether the image can make `path` (absolute, normalised) a link into the data volume: inside /app, the venv
    or /data, or a new directory elsewhere, never a system directory or a top-level one."""
    parts = path.parts[1:]
    if path.is_relative_to(APP_DIR) or path.is_relative_to(VENV) or path.is_relative_to(DATA_DIR):
        return path not in (APP_DIR, VENV, DATA_DIR)
    if len(parts) < 2 or parts[0] in _SYSTEM or (parts[0] == "opt" and len(parts) < 3):
        return False
    return not (parts[0] == "var" and len(parts) == 2 and parts[1] in _SYSTEM_VAR)


def in_image(relative: PurePosixPath | str) -> PurePosixPath:
    path = PurePosixPath(relative)
    return path if path.is_absolute() else APP_DIR / path


def flask_instance(candidate: Candidate, modules: list[Module], packaged: bool) -> PurePosixPath:
    """Flask's instance folder: `<prefix>/var/<name>-instance` for an installed package, else beside the package
    (or module) that made the app."""
    root_module = candidate.module.split(".")[0]
    if packaged:
        return VENV / "var" / f"{root_module}-instance"
    module = next((m for m in modules if m.name == candidate.module), None)
    package_dir = PurePosixPath(module.path).parent if module else PurePosixPath(".")
    if module and module.path.endswith("__init__.py"):
        package_dir = package_dir.parent
    return in_image(package_dir / "instance")


def _uses_instance(module: Module) -> Evidence | None:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and node.attr == "instance_path":
            return Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or "instance_path")
        if isinstance(node, ast.Call) and literal(keyword(node, "instance_relative_config")) is True:
            return Evidence(module.path, node.lineno, "instance_relative_config=True")
    return None


def site_packages(python: str) -> PurePosixPath:
    return VENV / "lib" / f"python{python}" / "site-packages"


def installed_file(module: Module, site: PurePosixPath) -> PurePosixPath | None:
    """Where a module of the installed project is at run time: a package's modules are in site-packages (a src
    layout's `src/blog/__init__.py` is `blog/__init__.py` there); None for a top-level module outside a package."""
    if "." not in module.name and not module.path.endswith("__init__.py"):
        return None
    tail = "/__init__.py" if module.path.endswith("__init__.py") else ".py"
    return site / (module.name.replace(".", "/") + tail)


def writable_paths(
    candidate: Candidate | None, modules: list[Module], site: PurePosixPath | None
) -> list[WritablePath]:
    """`site`: the venv's site-packages when the project is installed as a wheel (its modules run from there)."""
    packaged = site is not None
    found: list[WritablePath] = []
    uses_flask_sqlalchemy = any(
        "flask_sqlalchemy" in import_aliases(m.tree).values()
        or any(v.startswith("flask_sqlalchemy") for v in import_aliases(m.tree).values())
        for m in modules
    )
    if candidate is not None and candidate.framework == "flask":
        evidence = next((e for m in modules if (e := _uses_instance(m))), None)
        if evidence:
            found.append(
                WritablePath(
                    flask_instance(candidate, modules, packaged),
                    True,
                    evidence,
                    "Flask's instance folder (the app keeps its database or config there)",
                )
            )
    settings: list[WritablePath] = []  # after the rest: a database's connect call is the better evidence
    for module in modules:
        aliases = import_aliases(module.tree)
        evaluator = PathEvaluator(module, aliases, installed_file(module, site) if site is not None else None)
        evaluator.bind_module(module.tree)
        for node in ast.walk(module.tree):
            found += _sqlite_in(node, module, aliases, evaluator, candidate, modules, packaged, uses_flask_sqlalchemy)
            settings += _database_setting_in(node, module, evaluator)
            found += _upload_in(node, module, evaluator)
            found += _made_in(node, module, aliases, evaluator)
            found += _env_location_in(node, module, aliases)
    found += settings
    unique: dict[PurePosixPath, WritablePath] = {}
    for path in found:
        unique.setdefault(path.path, path)
    return list(unique.values())


def sqlite_database(url: str) -> PurePosixPath | None:
    """The file a SQLite URL names: `sqlite:///app.db` relative to the working directory, `sqlite:////srv/app.db`
    absolute; None for an in-memory database or anything that is not a SQLite URL."""
    match = _SQLITE_URL.fullmatch(url)
    if not match:
        return None
    path = match.group(1).split("?", 1)[0]
    if path in ("", ":memory:") or path.startswith("file:") or any(c in path for c in "{}%$"):
        return None  # in memory, a URI filename, or a template filled in later (`"sqlite:///{}".format(...)`)
    return PurePosixPath(path)


def _from_file(node: ast.AST, evaluator: PathEvaluator) -> bool:
    """Whether an expression builds its text from a path the module derives from its own file (`BASE_DIR`,
    `Path(__file__).parent`): such a path is absolute when the app runs, whatever the framework resolves against."""
    return any(
        isinstance(part, (ast.Name, ast.Call, ast.Attribute)) and isinstance(evaluator.value(part), PurePosixPath)
        for part in ast.walk(node)
    )


def _sqlite_in(node, module, aliases, evaluator, candidate, modules, packaged, flask_sqlalchemy) -> list[WritablePath]:
    evidence = lambda: Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or "")  # noqa: E731
    if isinstance(node, (ast.Constant, ast.JoinedStr)) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
    ):
        text = evaluator.value(node)
        database = sqlite_database(text) if isinstance(text, str) else None
        if database is None:
            return []
        if not database.is_absolute() and _from_file(node, evaluator):
            return [
                WritablePath(
                    in_image(database), False, evidence(), "SQLite database (a path built from the module's file)"
                )
            ]
        if not database.is_absolute() and flask_sqlalchemy and candidate is not None and candidate.framework == "flask":
            # Flask-SQLAlchemy 3 resolves relative SQLite paths against the instance folder.
            return [
                WritablePath(
                    flask_instance(candidate, modules, packaged),
                    True,
                    evidence(),
                    f"SQLite database {database} (Flask-SQLAlchemy keeps it in the instance folder)",
                )
            ]
        why = "SQLite database" + ("" if database.is_absolute() else " (relative to the working directory)")
        return [WritablePath(in_image(database), False, evidence(), why)]
    if isinstance(node, ast.Call) and dotted(node.func, aliases) == "sqlite3.connect" and node.args:
        path = evaluator.value(node.args[0])
        if isinstance(path, (str, PurePosixPath)) and str(path) != ":memory:" and "?" not in str(path):
            return [WritablePath(in_image(path), False, evidence(), "SQLite database")]
    return []


def config_file_writes(root: Path, names: list[str]) -> list[WritablePath]:
    """SQLite databases named by URLs in the config files the image carries (`url: "sqlite:///./app.db"` in a
    config.yml the app loads): relative to the working directory, as the app opens them."""
    found = []
    for name in names:
        for number, line in enumerate(read_app_file(root, name, errors="replace").splitlines(), 1):
            for url in _SQLITE_URL_IN_TEXT.findall(line):
                # PasteDeploy's %(here)s is the config file's folder; any other interpolation is not known here.
                url = url.replace("%(here)s", str(in_image(PurePosixPath(name).parent)))
                database = sqlite_database(url)
                if database is not None:
                    found.append(
                        WritablePath(
                            in_image(database), False, Evidence(name, number, line.strip()), f"SQLite database ({name})"
                        )
                    )
    return found


_DATABASE_KEY = re.compile(r"(?:^|_)(?:DATABASE|DB|SQLITE)(?:_|$)", re.I)
_DATABASE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3"})


def _database_setting_in(node, module, evaluator) -> list[WritablePath]:
    """A database file named by a setting: `{"DATABASE": Path(app.root_path) / "blog.db"}`, `DB_PATH = ...`,
    `config.update(DATABASE=...)`; the value a path to a .db/.sqlite/.sqlite3 file (a URL is `_sqlite_in`'s)."""
    if isinstance(node, ast.Dict):
        pairs = [(literal(k), v) for k, v in zip(node.keys, node.values, strict=True) if k is not None]
    elif isinstance(node, ast.Call):
        pairs = [(k.arg, k.value) for k in node.keywords]
    elif isinstance(node, ast.Assign) and len(node.targets) == 1:
        pairs = [(_assigned_name(node.targets[0]), node.value)]
    else:
        return []
    found = []
    for key, value in pairs:
        if not (isinstance(key, str) and _DATABASE_KEY.search(key)):
            continue
        path = evaluator.value(value)
        if not isinstance(path, (str, PurePosixPath)) or "://" in str(path) or not _from_file(value, evaluator):
            continue  # a bare name ("app.db") is relative to the working directory: the connect call's to place
        where = PurePosixPath(path)
        if where.suffix.lower() in _DATABASE_SUFFIXES and ".." not in where.parts:
            evidence = Evidence(module.path, value.lineno, ast.get_source_segment(module.text, value) or "")
            found.append(WritablePath(in_image(where), False, evidence, f"SQLite database (the app's {key} setting)"))
    return found


def _assigned_name(target: ast.expr) -> object:
    """The setting an assignment sets: `NAME = ...`, or `config["NAME"] = ...` (the key, when a literal)."""
    if isinstance(target, ast.Name):
        return target.id
    return literal(target.slice) if isinstance(target, ast.Subscript) else None


def _upload_in(node, module, evaluator) -> list[WritablePath]:
    """`UPLOAD_FOLDER = "uploads"` or `app.config["UPLOAD_FOLDER"] = ...`."""
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return []
    name = _assigned_name(node.targets[0])
    if not isinstance(name, str) or "UPLOAD" not in name.upper():
        return []
    path = evaluator.value(node.value)
    if not isinstance(path, (str, PurePosixPath)) or not str(path).strip():
        return []
    return [
        WritablePath(
            in_image(path),
            True,
            Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""),
            "upload folder",
        )
    ]


# Environment variables that name where an app stores what it writes (LOOK_STORAGE_PATH, UPLOAD_DIR, MEDIA_ROOT).
_WRITE_LOCATION = re.compile(
    r"^[A-Z][A-Z0-9_]*(STORAGE|UPLOAD|UPLOADS|MEDIA|DATA)_(PATH|DIR|FOLDER|ROOT)$|^(STORAGE|UPLOAD|UPLOADS|MEDIA|DATA)_(PATH|DIR|FOLDER|ROOT)$"
)


def _env_location_in(node, module, aliases) -> list[WritablePath]:
    """`os.environ.get("LOOK_STORAGE_PATH", ".")`: the app writes where a variable says, by default into its own
    (read-only) folder. The image sets the variable to a folder on the data volume instead."""
    if not (isinstance(node, ast.Call) and len(node.args) == 2):
        return []
    if (dotted(node.func, aliases) or "") not in ("os.environ.get", "os.getenv"):
        return []
    name, default = literal(node.args[0]), literal(node.args[1])
    if not (isinstance(name, str) and _WRITE_LOCATION.match(name) and isinstance(default, str)):
        return []
    if default.startswith(("/", "~")) or ".." in PurePosixPath(default).parts:
        return []  # an absolute default is the write-path checks' to place; none of the app's own folders
    return [
        WritablePath(
            DATA_DIR / name.lower().replace("_", "-"),
            True,
            Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""),
            f"the app writes where ${name} says (default {default!r}, inside its read-only code): the image sets "
            "it to this folder on the data volume",
            env=name,
        )
    ]


_MAKES_DIR = frozenset({"os.mkdir", "os.makedirs"})
_LOG_FILE_HANDLERS = frozenset(
    {"logging.FileHandler", "logging.handlers.RotatingFileHandler", "logging.handlers.TimedRotatingFileHandler"}
)


def _made_in(node, module, aliases, evaluator) -> list[WritablePath]:
    """A directory the app makes (`os.mkdir("logs")`, `os.makedirs(path)`) or a log file it opens
    (`RotatingFileHandler("logs/app.log")`): written at run time, so it lives on the data volume. Only paths
    the evaluator resolves inside the app (or an installed package of it) count; other absolute ones are left to the
    write-path checks."""
    if not isinstance(node, ast.Call) or not node.args:
        return []
    name = dotted(node.func, aliases) or ""
    if name not in _MAKES_DIR and name not in _LOG_FILE_HANDLERS:
        return []
    path = evaluator.value(node.args[0])
    if not isinstance(path, (str, PurePosixPath)) or not str(path).strip():
        return []
    where = PurePosixPath(path)
    if str(path).startswith("~") or (where.is_absolute() and not where.is_relative_to(VENV)):
        return []  # an installed package's own folder (in the venv) is the one absolute place known here
    if name in _LOG_FILE_HANDLERS:
        if where.parent == PurePosixPath("."):
            return []  # a log file at the top of /app: its folder is the app's code, which cannot be a link
        where = where.parent
    if where == PurePosixPath(".") or ".." in where.parts:
        return []
    return [
        WritablePath(
            in_image(where),
            True,
            Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or ""),
            "a log file's folder" if name in _LOG_FILE_HANDLERS else "a directory the app makes",
        )
    ]


def _top_level_cli(receiver: ast.expr) -> bool:
    """`app.cli.command`, `bp.cli.command` or `click.command`: a command `flask NAME` runs (one made on a group,
    `@translate.command()`, runs as `flask translate NAME`)."""
    return (isinstance(receiver, ast.Attribute) and receiver.attr == "cli") or (
        isinstance(receiver, ast.Name) and receiver.id == "click"
    )


def _takes_arguments(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A command with a `@click.argument(...)` needs a value no setup step can guess."""
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "argument"
        for d in function.decorator_list
    )


def flask_cli_steps(candidate: Candidate | None, modules: list[Module]) -> list[SetupStep]:
    """Flask CLI commands that set the app up (`@click.command("init-db")`, `@app.cli.command(...)`)."""
    if candidate is None or candidate.framework != "flask":
        return []
    steps = []
    for module in modules:
        for node in ast.walk(module.tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for decorator in node.decorator_list:
                if not (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "command"
                    and _top_level_cli(decorator.func.value)
                    and not _takes_arguments(node)
                ):
                    continue
                name = literal(decorator.args[0]) if decorator.args else node.name.replace("_", "-")
                if isinstance(name, str) and _SETUP_WORDS.search(name):
                    steps.append(
                        SetupStep(
                            f"flask --app {candidate.module} {name}",
                            Evidence(
                                module.path, decorator.lineno, ast.get_source_segment(module.text, decorator) or ""
                            ),
                            "a Flask CLI command that sets up the database",
                        )
                    )
    return steps


def readme_steps(root: Path, files: list[str]) -> list[SetupStep]:
    steps = []
    for name in files:
        if "/" in name or not name.lower().startswith("readme"):
            continue
        for number, line in enumerate(read_app_file(root, name, errors="replace").splitlines(), 1):
            for pattern in _README_STEPS:
                match = pattern.search(line)
                if match:
                    steps.append(
                        SetupStep(match.group(1), Evidence(name, number, line.strip()), "documented in the README")
                    )
    return steps


def console_script_steps(
    scripts: tuple[ConsoleScript, ...], modules: Sequence[Module] = (), config: str | None = None
) -> list[SetupStep]:
    """The installed project's console scripts whose names say they set the app up (`init_db`). Pyramid's
    convention: a script whose function reads its config URI from argv (`get_appsettings(argv[1])`,
    `bootstrap(args.config_uri)`) is given the .ini the server loads (`config`); without one it is not suggested,
    since it needs an argument dockwise cannot guess.

    Good (suggested as `initialize_tutorial_db development.ini` when the server loads development.ini)::

        def main(argv=sys.argv):
            config_uri = argv[1]
            settings = get_appsettings(config_uri)
    """
    steps = []
    for script in scripts:
        if not _SETUP_SCRIPT.fullmatch(script.name):
            continue
        why = f"the project's console script ({script.module}:{script.function})"
        found = script_function(modules, script.module, script.function)
        reads = reads_config_uri(*found) if found is not None else None
        if reads is None:
            steps.append(SetupStep(script.name, script.evidence, why))
        elif config is not None:
            steps.append(
                SetupStep(
                    shlex.join([script.name, config]),
                    script.evidence,
                    f"{why}, given the .ini the server loads: {reads.where()} reads its config URI from argv",
                )
            )
    return steps


_PASTER_LOADERS = frozenset(
    f"{module}.{name}"
    for module in ("pyramid.paster", "plaster", "paste.deploy")
    for name in ("get_appsettings", "bootstrap", "get_app", "setup_logging", "get_settings", "loadapp", "appconfig")
)


def reads_config_uri(module: Module, function: ast.AST) -> Evidence | None:
    """Where `function` hands a config URI from the command line to Pyramid's or PasteDeploy's loaders
    (`get_appsettings(argv[1])`, `uri = argv[1]` then `bootstrap(uri)`, `bootstrap(args.config_uri)`); None when it
    does not."""
    aliases = import_aliases(module.tree)
    from_argv = {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and _argv_item(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(function):
        if not (isinstance(node, ast.Call) and node.args and (dotted(node.func, aliases) or "") in _PASTER_LOADERS):
            continue
        first = node.args[0]
        if (
            _argv_item(first)
            or (isinstance(first, ast.Name) and first.id in from_argv)
            or (isinstance(first, ast.Attribute) and first.attr == "config_uri")
        ):
            return Evidence(module.path, node.lineno, ast.get_source_segment(module.text, node) or "")
    return None


def _argv_item(node: ast.AST) -> bool:
    """`argv[1]` or `sys.argv[1]`."""
    if not (isinstance(node, ast.Subscript) and literal(node.slice) == 1):
        return False
    value = node.value
    return (isinstance(value, ast.Name) and value.id == "argv") or (
        isinstance(value, ast.Attribute) and value.attr == "argv"
    )


def script_steps(files: list[str]) -> list[SetupStep]:
    return [
        SetupStep(f"python {name}", Evidence(name, None, ""), "a setup script at the app's root")
        for name in SETUP_SCRIPTS
        if name in files
    ]
