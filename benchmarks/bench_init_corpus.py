"""`dockwise init` on the corpus of public apps (tests/fixtures/corpus): how far each one gets, served hardened.

For each app, on a copy: `dockwise init APP` (then the `dockwise init --force ...` command of init's printed to-do,
if it prints one: the only to-do a script can follow mechanically), `dockwise build APP --variant standard` and
`--variant distroless` (the worktree's CLI, as a user runs it), then the distroless image run hardened (read-only
root, cap_drop ALL, no-new-privileges, tmpfs /tmp, pids and memory limits, a labelled volume at the image's
`dockwise.data` label if it has one, the port published on 127.0.0.1), the app's real routes asked
(routes.toml's `[[steps]]`, a write among them when the app has one), `docker stop` (exit 0 within 10 s asked),
started again on the same volume, `[[after_restart]]` asked (the write is still there). Every stage has a
timeout. One row per app: the stage reached, exit codes, the one-line cause of a failure, timings.

Containers and volumes carry the label dockwise.test=bench-corpus-RUN; images (the CLI's build has no --label)
carry the tags dockwise-test/corpus-APP:VARIANT-RUN; all are removed at the end.

    python benchmarks/bench_init_corpus.py [--apps flaskr-tdd,quart-blog] [--json FILE] [--md FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus_routes import CORPUS, load, run_steps
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dockwise.core.errors import DockwiseError
from dockwise.engine import containers
from dockwise.engine.client import sdk_client
from dockwise.service import labels as label_names
from dockwise.service.contract import tcp_ports
from dockwise.service.run_options import data_mount

ROOT = Path(__file__).resolve().parents[1]
DOCKWISE = ROOT / ".venv" / "bin" / "dockwise"
RUN = uuid.uuid4().hex[:8]
LABELS = {"dockwise.test": f"bench-corpus-{RUN}"}
INIT_TIMEOUT_S = 120
BUILD_TIMEOUT_S = 900
START_TIMEOUT_S = 60
STOP_GRACE_S = 10
STAGES = (
    "init",
    "build-standard",
    "build-distroless",
    "setup",
    "start",
    "routes",
    "stop",
    "restart",
    "persist",
    "served",
)
# What each stage's failure means, by the classes: the row says where an app stopped.


@dataclass
class Row:
    app: str
    stage: str = "init"  # the stage reached: the first one that failed, or "served"
    ok: bool = False
    cause: str = ""
    detail: str = ""  # the log line that says why, when the cause is a step's failure
    exit_codes: dict[str, int | None] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    todo_followed: str = ""  # the init command of init's to-do that was run, "" if none, else why not
    todo: list[str] = field(default_factory=list)
    python: str = ""
    data_label: str = ""
    port: int | None = None
    steps: list[str] = field(default_factory=list)
    runs_on_host: bool | None = None
    host_note: str = ""
    classes: list[str] = field(default_factory=list)


def last_line(text: str) -> str:
    """The CLI's `error: ...` message (rich wraps it over several lines: joined again), else the last line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if line.startswith("error:")]
    if starts:
        return " ".join(lines[starts[-1] :])[:400]
    return (lines[-1] if lines else "")[:400]


ERROR_LINE = re.compile(r"^\s*([\w.]+(Error|Exception)\b.*|ERROR: .*|error: (?!subprocess-exited).*)$")
KNOWN = (  # a visible line of the log -> what it means (the CLI shows a build step's last 15 lines)
    ("'psycopg2-binary' package instead", "psycopg2 built from source: pg_config (libpq-dev) missing"),
    ("pg_config executable not found", "psycopg2 built from source: pg_config (libpq-dev) missing"),
    ("Python.h: No such file", "a C extension built from source: Python.h missing (python3-dev)"),
    ("x86_64-linux-gnu-gcc", "a C extension built from source: no compiler (gcc)"),
    ("Unable to determine which files to ship", "hatchling: the app is not a distributable package"),
    ("[tool.hatch.build.targets.wheel]", "hatchling: the app is not a distributable package"),
)


def why(log: str) -> str:
    """The log line that says why a build step or a container failed: a known pattern, else the last exception or
    pip error, else the last line; with the sdist pip was downloading, when the log still shows it."""
    lines = [line.removeprefix("  |").strip() for line in log.splitlines()]
    lines = [line for line in lines if line and not line.startswith("error: building")]
    known = next((meaning for marker, meaning in KNOWN if marker in log), None)
    requested = re.findall(r"The user requested (\S+)", log)
    if "The conflict is caused by" in log and requested:
        known = "pip: conflicting requirements " + " and ".join(requested)
    found = known or next((line for line in reversed(lines) if ERROR_LINE.match(line)), None)
    found = found or next((line for line in reversed(lines) if line.startswith("×")), lines[-1] if lines else "")
    sdists = re.findall(r"Downloading (\S+?)\.tar\.gz", log)
    return (found + (f" (building {sdists[-1]} from source)" if sdists else ""))[:300]


def cli(args: list[str], timeout: float) -> tuple[int | None, str, str, float]:
    """Run the worktree's dockwise CLI; (exit code or None on timeout, stdout, stderr, seconds)."""
    start = time.monotonic()
    try:
        done = subprocess.run([str(DOCKWISE), *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        return None, out, f"timed out after {timeout:.0f} s", time.monotonic() - start
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def todo_items(summary: str) -> list[str]:
    """The lines under init's 'still to do:'."""
    _, _, rest = summary.partition("still to do:")
    return [line.strip()[2:] for line in rest.splitlines() if line.strip().startswith("- ")]


def init_command(items: list[str]) -> list[str] | None:
    """The first `dockwise init ...` command in the to-do, as argv after `dockwise` (None when there is none)."""
    for item in items:
        found = re.search(r"(dockwise init (?:[^'`\s]+|'[^']*')(?: (?:[^'`\s]+|'[^']*'))*)", item)
        if found:
            return shlex.split(found.group(1))[1:]
    return None


def wait_http(port: int, container, seconds: float) -> str:
    """'' once anything answers HTTP on the port; else the cause."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        container.reload()
        if container.status == "exited":
            code = container.attrs["State"]["ExitCode"]
            logs = container.logs(tail=40).decode("utf-8", "replace")
            return f"exited {code} before answering: {why(logs)}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return ""
        except urllib.error.HTTPError:
            return ""
        except OSError:
            time.sleep(0.5)
    logs = container.logs(tail=40).decode("utf-8", "replace")
    return f"no HTTP answer within {seconds:.0f} s: {why(logs)}"


def published_port(container, port: int) -> int:
    container.reload()
    return int(container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"])


def image_facts(client, tag: str) -> tuple[int, str]:
    config = client.images.get(tag).attrs["Config"]
    ports = tcp_ports(config.get("ExposedPorts") or {})
    return (ports[0] if ports else 8000), (config.get("Labels") or {}).get(label_names.DATA, "")


def start_container(client, tag: str, port: int, volume: str | None, data: str, env: dict[str, str]):
    """As dockwise runs a service: the hardened profile, the image's setup step first in a one-shot container."""
    mount = {"volumes": data_mount(volume, data)} if volume else {}
    return containers.start(client, tag, port=port, labels=LABELS, environment=env, **mount).container


def stop_container(container) -> tuple[int | None, float]:
    start = time.monotonic()
    container.stop(timeout=STOP_GRACE_S)
    code = container.wait(timeout=30)["StatusCode"]
    return code, time.monotonic() - start


def served(client, row: Row, tag: str, routes: dict) -> None:
    """Run the distroless image hardened: routes, stop, restart, the write still there. Fills row."""
    port, data = image_facts(client, tag)
    row.port, row.data_label = port, data
    env = routes.get("container", {}).get("env", {})
    volume = client.volumes.create(name=f"dockwise-test-corpus-{row.app}-{RUN}", labels=LABELS).name if data else None
    row.stage = "setup"
    try:
        container = start_container(client, tag, port, volume, data, env)
    except DockwiseError as error:  # the setup one-shot failed (or the engine refused the container): one line
        row.cause = str(error)[:300]
        if volume:
            client.volumes.get(volume).remove(force=True)
        return
    try:
        row.stage = "start"
        began = time.monotonic()
        cause = wait_http(published_port(container, port), container, START_TIMEOUT_S)
        row.seconds["start"] = round(time.monotonic() - began, 2)
        if cause:
            row.cause = cause
            return
        base = f"http://127.0.0.1:{published_port(container, port)}"
        row.stage = "routes"
        results = run_steps(base, routes["steps"])
        row.steps = [r.cause or f"ok: {r.name}" for r in results]
        bad = [r for r in results if not r.ok]
        if bad:
            row.cause = bad[0].cause
            row.detail = why(container.logs(tail=40).decode("utf-8", "replace"))
            return
        row.stage = "stop"
        code, seconds = stop_container(container)
        row.exit_codes["stop"], row.seconds["stop"] = code, round(seconds, 2)
        if code != 0 or seconds > STOP_GRACE_S:
            row.cause = f"docker stop: exit {code} after {seconds:.1f} s (0 within {STOP_GRACE_S} s expected)"
            return
        if not routes.get("after_restart"):
            row.stage, row.ok = "served", True  # nothing on disk to outlive a restart (an in-memory app)
            return
        row.stage = "restart"
        container.start()
        cause = wait_http(published_port(container, port), container, START_TIMEOUT_S)
        if cause:
            row.cause = cause
            return
        row.stage = "persist"
        again = run_steps(f"http://127.0.0.1:{published_port(container, port)}", routes["after_restart"])
        row.steps += [r.cause or f"ok after restart: {r.name}" for r in again]
        bad = [r for r in again if not r.ok]
        if bad:
            row.cause = bad[0].cause
            return
        row.stage, row.ok = "served", True
    finally:
        container.remove(force=True)
        if volume:
            client.volumes.get(volume).remove(force=True)


def one_app(client, corpus: Path, name: str, work: Path) -> Row:
    routes = load(corpus / name)
    host = routes["host"]
    row = Row(name, runs_on_host=host.get("runs_on_host"), host_note=host.get("host_note", ""))
    row.classes = routes.get("classes", [])
    app = work / name
    shutil.copytree(corpus / name, app)
    code, out, err, seconds = cli(["init", str(app)], INIT_TIMEOUT_S)
    row.exit_codes["init"], row.seconds["init"] = code, round(seconds, 2)
    if code != 0:
        row.cause = last_line(err or out)
        return row
    row.todo = todo_items(out)
    python = re.search(r"^\s*python\s+(3\.\d+)", out, re.MULTILINE)
    row.python = python.group(1) if python else ""
    follow = init_command(row.todo)
    if follow is not None:
        argv = [arg if arg != "." else str(app) for arg in follow]
        if not any(Path(arg).resolve() == app.resolve() for arg in argv if not arg.startswith("-")):
            argv.append(str(app))
        code, out, err, seconds = cli(argv, INIT_TIMEOUT_S)
        row.todo_followed = "dockwise " + shlex.join(follow)
        row.exit_codes["todo"], row.seconds["todo"] = code, round(seconds, 2)
        if code != 0:
            row.cause = "following init's to-do: " + last_line(err or out)
            return row
    elif row.todo:
        row.todo_followed = "to-do not followed (no command a script can run)"
    for variant in ("standard", "distroless"):
        row.stage = f"build-{variant}"
        tag = f"dockwise-test/corpus-{name}:{variant}-{RUN}"
        code, out, err, seconds = cli(["build", str(app), "--variant", variant, "--tag", tag], BUILD_TIMEOUT_S)
        row.exit_codes[row.stage], row.seconds[row.stage] = code, round(seconds, 1)
        if code != 0:
            row.cause = last_line(err or out)
            row.detail = why(err)
            return row
    served(client, row, f"dockwise-test/corpus-{name}:distroless-{RUN}", routes)
    return row


def remove_images(client, names: list[str]) -> None:
    for name in names:
        for variant in ("standard", "distroless"):
            tag = f"dockwise-test/corpus-{name}:{variant}-{RUN}"
            try:
                client.images.remove(tag, force=True)
            except Exception:  # not built (the app stopped earlier): nothing to remove
                pass


def markdown(rows: list[Row], meta: dict) -> str:
    served_count = sum(r.ok for r in rows)
    eligible = [r for r in rows if r.runs_on_host]
    lines = [
        "# `dockwise init` on the corpus of public apps",
        "",
        f"Run {meta['date']} on {meta['machine']}, commit {meta['commit']}, {meta['seconds']} s; "
        "`python benchmarks/bench_init_corpus.py` (tests/fixtures/corpus, routes in each app's routes.toml)."
        + "".join(
            f" {', '.join(a['apps'])}: run again {a['date']} at commit {a['commit']} (`--apps ... --append`)."
            for a in meta.get("appended", [])
        ),
        *(["", meta["note"]] if meta.get("note") else []),
        "",
        f"Served hardened, routes right, stop exit 0, the write still there after a restart: **{served_count} of "
        f"{len(rows)}**; of the {len(eligible)} that run under their own README on a Python dockwise has a base for "
        "(the host's 3.11, or 3.13 in dockwise's slim base: routes.toml `runs_on_host`): "
        f"**{sum(r.ok for r in eligible)}**.",
        "",
        "| app | runs on host | stage reached | cause | init / std / distroless build (s) | to-do followed |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        host = {True: "yes", False: "no", None: "?"}[r.runs_on_host]
        times = " / ".join(
            f"{r.seconds[s]:.0f}" if s in r.seconds else "–" for s in ("init", "build-standard", "build-distroless")
        )
        cause = (r.cause[:220] + (f" — {r.detail}" if r.detail else "")).replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r.app} | {host} | {r.stage}{' ✔' if r.ok else ''} | {cause} | {times} | {r.todo_followed or '–'} |"
        )
    lines += ["", "By class (an app counts in each of its classes, from its routes.toml):", ""]
    lines += ["| class | apps | served | stopped at (app: stage) |", "|---|---|---|---|"]
    for name in sorted({c for r in rows for c in r.classes}):
        members = [r for r in rows if name in r.classes]
        stopped = ", ".join(f"{r.app}: {r.stage}" for r in members if not r.ok) or "–"
        lines.append(f"| {name} | {len(members)} | {sum(r.ok for r in members)} | {stopped} |")
    return "\n".join(lines) + "\n"


def rerender(path: Path, md: Path | None) -> None:
    """Read a run's JSON again, take runs_on_host and classes from the routes.toml files as they are now, and
    write the JSON and the markdown again (the host runs and the bench run are separate)."""
    data = json.loads(path.read_text())
    rows = [Row(**row) for row in data["rows"]]
    for row in rows:
        routes = load(CORPUS / row.app)
        row.runs_on_host = routes["host"].get("runs_on_host")
        row.host_note = routes["host"].get("host_note", "")
        row.classes = routes.get("classes", [])
    path.write_text(json.dumps({"meta": data["meta"], "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    if md:
        md.write_text(markdown(rows, data["meta"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default="", help="comma-separated corpus apps [default: all]")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of apps with routes.toml files")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here")
    parser.add_argument("--md", type=Path, help="write the markdown table here")
    parser.add_argument(
        "--append", action="store_true", help="put this run's rows into --json's earlier run (same apps replaced)"
    )
    parser.add_argument("--rerender", action="store_true", help="only rewrite --json's rows and --md from routes.toml")
    args = parser.parse_args()
    if args.rerender:
        rerender(args.json, args.md)
        return 0
    names = args.apps.split(",") if args.apps else sorted(p.parent.name for p in args.corpus.glob("*/routes.toml"))
    client = sdk_client()
    console = Console(stderr=True)
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-corpus-") as tmp:
        try:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("corpus", total=len(names))
                for name in names:
                    progress.update(task, description=f"corpus: {name}")
                    try:
                        row = one_app(client, args.corpus, name, Path(tmp))
                    except Exception as error:  # recorded, not hidden: the bench goes on with the next app
                        row = Row(name, stage="bench", cause=f"bench error: {type(error).__name__}: {error}"[:300])
                    rows.append(row)
                    console.print(f"{name}: {row.stage}{' ✔' if row.ok else ''} {row.cause}", markup=False)
                    progress.advance(task)
        finally:
            try:
                for container in client.containers.list(
                    all=True, filters={"label": f"dockwise.test={LABELS['dockwise.test']}"}
                ):
                    container.remove(force=True)
                for volume in client.volumes.list(filters={"label": f"dockwise.test={LABELS['dockwise.test']}"}):
                    volume.remove(force=True)
                remove_images(client, names)
            except Exception as error:  # an engine gone mid-run: the rows measured so far are still written
                console.print(f"cleanup failed: {type(error).__name__}: {error}"[:300], markup=False)
    table = Table(title="dockwise init on the corpus")
    for column in ("app", "host", "stage", "cause"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r.app, str(r.runs_on_host), r.stage + (" ✔" if r.ok else ""), r.cause[:160])
    Console().print(table)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} {platform.machine()}, {_cpus()} CPUs, Docker {_engine_version(client)}",
        "commit": commit.stdout.strip(),
        "seconds": round(time.monotonic() - started),
        "stages": list(STAGES),
    }
    if args.append and args.json and args.json.is_file():
        earlier = json.loads(args.json.read_text())
        ran = {r.app for r in rows}
        rows = sorted([Row(**r) for r in earlier["rows"] if r["app"] not in ran] + rows, key=lambda r: r.app)
        meta = earlier["meta"] | {"appended": [*earlier["meta"].get("appended", []), {**meta, "apps": sorted(ran)}]}
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    if args.md:
        args.md.write_text(markdown(rows, meta))
    return 0


def _engine_version(client) -> str:
    try:
        return client.version()["Version"]
    except Exception:  # the engine went away after the last app
        return "unreachable at the end of the run"


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
