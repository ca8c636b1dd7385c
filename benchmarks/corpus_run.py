"""One corpus app (tests/fixtures/corpus) taken as far as it goes: what bench_init_corpus measures on every app and
tests/corpus/test_corpus_engine.py holds on the apps served today.

On a copy: `dockwise init APP` (then the `dockwise init --force ...` command of init's printed to-do, if it prints one:
the only to-do a script can follow mechanically), `dockwise build APP --variant V` for each variant asked (the
CLI, as a user runs it), then the distroless image run hardened (read-only root, cap_drop ALL, no-new-privileges,
tmpfs /tmp, pids and memory limits, a labelled volume at the image's `dockwise.data` label if it has one, the port
published on 127.0.0.1, its setup step first in a one-shot container), the app's real routes asked (routes.toml's
`[[steps]]`, a write among them when the app has one), `docker stop` (exit 0 within 10 s asked), started again on
the same volume, `[[after_restart]]` asked (the write is still there). Every stage has a timeout. The result is a
Row: the stage reached, exit codes, the one-line cause of a failure, timings.

Containers and volumes carry the run's labels; images (the CLI's build has no --label) carry the tags
`dockwise-test/corpus-APP:VARIANT-RUN`, which remove_images removes.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from corpus_routes import load, run_steps

from dockwise.core.errors import DockwiseError
from dockwise.engine import containers
from dockwise.service import labels as label_names
from dockwise.service.contract import tcp_ports
from dockwise.service.run_options import data_mount

VARIANTS = ("standard", "distroless")


@dataclass(frozen=True)
class CorpusRun:
    """One run over corpus apps: its id (in image tags and volume names), the labels on what it creates, and the
    variants it builds (the distroless one is the one served)."""

    run_id: str
    labels: dict[str, str]
    variants: tuple[str, ...] = VARIANTS

    def tag(self, app: str, variant: str) -> str:
        return f"dockwise-test/corpus-{app}:{variant}-{self.run_id}"


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
    "health",
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
    """Run this interpreter's dockwise CLI; (exit code or None on timeout, stdout, stderr, seconds)."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dockwise.cli", *args], capture_output=True, text=True, timeout=timeout
        )
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


def start_container(client, run: CorpusRun, tag: str, port: int, volume: str | None, data: str, env: dict[str, str]):
    """As dockwise runs a service: the hardened profile, the image's setup step first in a one-shot container."""
    mount = {"volumes": data_mount(volume, data)} if volume else {}
    return containers.start(client, tag, port=port, labels=run.labels, environment=env, **mount).container


def stop_container(container) -> tuple[int | None, float]:
    start = time.monotonic()
    container.stop(timeout=STOP_GRACE_S)
    code = container.wait(timeout=30)["StatusCode"]
    return code, time.monotonic() - start


def health_check(client, tag: str, container) -> str:
    """Run the image's own HEALTHCHECK command in the serving container: '' when it passes, else why not (a check
    asking a path the app answers 404 leaves a working container unhealthy and a readiness probe failing)."""
    test = (client.images.get(tag).attrs.get("Config", {}).get("Healthcheck") or {}).get("Test") or []
    if not test or test[0] != "CMD":
        return "the image has no exec-form HEALTHCHECK"
    code, output = container.exec_run(test[1:], user=container.attrs["Config"].get("User") or None)
    return "" if code == 0 else f"its HEALTHCHECK fails (exit {code}): {last_line(output.decode('utf-8', 'replace'))}"


def served(client, run: CorpusRun, row: Row, tag: str, routes: dict) -> None:
    """Run the distroless image hardened: routes, stop, restart, the write still there. Fills row."""
    port, data = image_facts(client, tag)
    row.port, row.data_label = port, data
    env = routes.get("container", {}).get("env", {})
    volume = (
        client.volumes.create(name=f"dockwise-test-corpus-{row.app}-{run.run_id}", labels=run.labels).name
        if data
        else None
    )
    row.stage = "setup"
    try:
        container = start_container(client, run, tag, port, volume, data, env)
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
        row.stage = "health"
        if cause := health_check(client, tag, container):
            row.cause = cause
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


def one_app(client, run: CorpusRun, corpus: Path, name: str, work: Path) -> Row:
    """Take the app `name` of `corpus` as far as it goes, on a copy in `work`; the row says where it stopped."""
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
    for variant in run.variants:
        row.stage = f"build-{variant}"
        tag = run.tag(name, variant)
        code, out, err, seconds = cli(["build", str(app), "--variant", variant, "--tag", tag], BUILD_TIMEOUT_S)
        row.exit_codes[row.stage], row.seconds[row.stage] = code, round(seconds, 1)
        if code != 0:
            row.cause = last_line(err or out)
            row.detail = why(err)
            return row
    served(client, run, row, run.tag(name, "distroless"), routes)
    return row


def remove_images(client, run: CorpusRun, names: list[str]) -> None:
    for name in names:
        for variant in run.variants:
            tag = run.tag(name, variant)
            try:
                client.images.remove(tag, force=True)
            except Exception:  # not built (the app stopped earlier): nothing to remove
                pass
