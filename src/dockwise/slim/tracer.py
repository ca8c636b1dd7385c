"""The tracer: Debian's strace, made runnable inside any image, and the traced run of the source image.

The target runs as it will run (its own user, WORKDIR, environment, entrypoint and cmd), with strace in front of
its entrypoint. strace comes from a small image built once from dockwise/python:3.13-slim with Debian's `strace`
package; its binary, the libraries it needs (found from DT_NEEDED by dockwise.slim.elf) and their loader are copied
out to a host cache and bind-mounted read-only at /.dockwise-tracer, where the loader runs strace without anything
from the target image (which may have no shell and a different libc). strace traces its own children, as the
image's user, so no capability beyond the defaults is needed (Docker's seccomp profile allows ptrace on kernels
>= 4.8), and nothing runs privileged. A tracer container joining the target's PID namespace was rejected: it can
only attach after the target has started, and a Python service does most of its imports before it first answers.

The Python audit hook (dockwise/slim/audit_hook.py) is mounted read-only at /.dockwise-python, first on PYTHONPATH.
Both write into /.dockwise-trace, a host directory; /proc/<pid>/maps of the container's processes is read from the
host (the engine must be local, as for every bind mount).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import http.client
import io
import os
import posixpath
import shutil
import signal
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from dockwise.core.errors import DockwiseError
from dockwise.engine import containers
from dockwise.slim.elf import DEFAULT_LIBRARY_DIRS, read_elf
from dockwise.slim.probes import Answer, ProbePlan, ask, volatile_tokens, wait_until_answering
from dockwise.slim.trace import (
    MappedFile,
    Trace,
    TraceLost,
    parse_maps,
    parse_python_events,
    read_strace_dir,
)

TRACER_BASE = "dockwise/python:3.13-slim"
TRACER_DOCKERFILE = f"""FROM {TRACER_BASE}
RUN apt-get update \\
    && apt-get install -y --no-install-recommends strace \\
    && rm -rf /var/lib/apt/lists/*
"""
TRACER_MOUNT, HOOK_MOUNT, OUTPUT_MOUNT = "/.dockwise-tracer", "/.dockwise-python", "/.dockwise-trace"
STRACE_OPTIONS = ("-f", "-ff", "-q", "-y", "--seccomp-bpf", "-e", "trace=%file,%process", "-e", "signal=none",
                  "-o", f"{OUTPUT_MOUNT}/strace")
"""-ff: one file per process (no interleaved lines); -y: the path of every descriptor (openat's directory, the
working directory of AT_FDCWD); --seccomp-bpf: only the traced calls stop the process (a small slowdown)."""
HOSTNAME = "dockwise-slim"
"""Every container slim starts has this host name, so pages that show it are the same in every run."""
STOP_TIMEOUT = 30.0
HEALTH_TIMEOUT = 30.0


@dataclass(frozen=True)
class Tracer:
    """The strace bundle on the host: `loader` runs `strace` with `lib` as its only library directory."""

    root: Path

    def command(self, *args: str) -> list[str]:
        return [f"{TRACER_MOUNT}/lib/{self.loader_name}", "--library-path", f"{TRACER_MOUNT}/lib",
                f"{TRACER_MOUNT}/bin/strace", *args]

    @property
    def loader_name(self) -> str:
        return (self.root / "loader").read_text().strip()


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwise" / "slim-tracer"


def ensure_tracer(client, say: Callable[[str], None] = lambda _m: None) -> Tracer:
    """The cached strace bundle, built (image + extraction, about half a minute) when missing."""
    key = hashlib.sha256(TRACER_DOCKERFILE.encode()).hexdigest()[:12]
    root = _cache_root() / key
    if (root / "loader").is_file():
        return Tracer(root)
    from dockwise.debian.bases import ensure_bases
    from dockwise.engine.buildkit import BuildRequest, build_image

    say("building the tracer image (Debian's strace)")
    ensure_bases(kinds=("slim",), say=say)
    tag = f"dockwise/slim-tracer:{key}"
    with tempfile.TemporaryDirectory(prefix="dockwise-tracer-") as context:
        (Path(context) / "Dockerfile").write_text(TRACER_DOCKERFILE)
        build_image(BuildRequest(context=Path(context), dockerfile=Path(context) / "Dockerfile", tag=tag,
                                 labels={"dockwise.slim.tracer": key}))
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root.parent))
    try:
        _extract_bundle(client, tag, staging)
        os.chmod(staging, 0o755)
        try:
            os.replace(staging, root)
        except OSError:
            if not (root / "loader").is_file():  # another run finished first: its bundle is as good
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return Tracer(root)


def _extract_bundle(client, tag: str, out: Path) -> None:
    """Copy /usr/bin/strace, its DT_NEEDED closure and its loader out of the tracer image into `out`."""
    container = client.containers.create(tag, command=["true"], labels={"dockwise.slim.tracer": "extract"})
    try:
        (out / "bin").mkdir(parents=True)
        (out / "lib").mkdir()
        strace = _required(container, "/usr/bin/strace")
        (out / "bin" / "strace").write_bytes(strace)
        info = read_elf(strace)
        if info.interpreter is None:
            raise DockwiseError("the tracer image's strace has no program interpreter", "report this", exit_code=3)
        loader = posixpath.basename(info.interpreter)
        (out / "lib" / loader).write_bytes(_required(container, info.interpreter))
        pending, done = list(info.needed), {loader}
        while pending:
            name = pending.pop()
            if name in done:
                continue
            done.add(name)
            data = next((d for d in (_fetch(container, f"/{directory}/{name}", missing_ok=True)
                                     for directory in DEFAULT_LIBRARY_DIRS) if d is not None), None)
            if data is None:
                raise DockwiseError(f"the tracer image lacks {name}, which strace needs", "report this", exit_code=3)
            (out / "lib" / name).write_bytes(data)
            pending.extend(read_elf(data).needed)
        for path in [*(out / "bin").iterdir(), *(out / "lib").iterdir()]:
            path.chmod(0o755)
        (out / "bin").chmod(0o755)
        (out / "lib").chmod(0o755)
        (out / "loader").write_text(loader + "\n")
    finally:
        containers.remove(container)


def _required(container, path: str) -> bytes:
    data = _fetch(container, path)
    if data is None:
        raise DockwiseError(f"{path} is missing from the tracer image", "report this", exit_code=3)
    return data


def _fetch(container, path: str, *, missing_ok: bool = False, hops: int = 0) -> bytes | None:
    """A file's bytes from a created container, following symlinks (get_archive returns the link itself)."""
    from docker.errors import NotFound

    try:
        stream, _ = container.get_archive(path)
    except NotFound:
        if missing_ok:
            return None
        raise DockwiseError(f"{path} is missing from the tracer image", "report this", exit_code=3) from None
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        member = archive.next()
        assert member is not None
        if member.issym() and hops < 8:
            target = member.linkname if member.linkname.startswith("/") else posixpath.join(posixpath.dirname(path), member.linkname)
            return _fetch(container, posixpath.normpath(target), missing_ok=missing_ok, hops=hops + 1)
        handle = archive.extractfile(member)
        assert handle is not None
        return handle.read()


# -- runs ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunResult:
    """What one run of an image answered: each probe's answer, the HEALTHCHECK command's exit code, the log tail."""

    answers: dict[str, Answer]
    health_exit: int | None
    log_tail: str
    ready_seconds: float
    volatile: dict[str, frozenset[int]] = field(default_factory=dict)  # per probe: words that change between asks


def image_command(config: dict) -> list[str]:
    command = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
    if not command:
        raise DockwiseError("the image has neither ENTRYPOINT nor CMD", "give it the command that starts the service",
                            exit_code=2)
    return command


def exposed_port(config: dict) -> int:
    ports = sorted(int(key.split("/")[0]) for key in (config.get("ExposedPorts") or {}) if key.endswith("/tcp"))
    if not ports:
        raise DockwiseError("the image exposes no TCP port", "EXPOSE the port the service listens on", exit_code=2)
    return ports[0]


@contextlib.contextmanager
def serving(client, image: str, config: dict, plan: ProbePlan, labels: dict[str, str], *, what: str,
            exit_code: int = 2, **options) -> Iterator[tuple[Any, int, float]]:
    """A container of `image` that has answered its first probe: (container, host port, seconds to the answer).
    Removed however the block ends. A container that stops or never answers raises (exit `exit_code`)."""
    port = exposed_port(config)
    published = containers.start(client, image, port=port, labels=labels, hostname=HOSTNAME, **options)
    container = published.container
    try:
        assert published.host_port is not None

        def alive() -> bool:
            container.reload()
            return container.status not in ("exited", "dead")

        try:
            ready = wait_until_answering(published.host_port, plan.probes[0], plan.startup_timeout, alive)
        except ChildProcessError:
            container.reload()
            code = container.attrs["State"]["ExitCode"]
            raise DockwiseError(f"{what} exited (code {code}) before answering on port {port}: "
                                f"{containers.log_tail(container, 3)}", "run it by hand and read `docker logs`",
                                exit_code=exit_code) from None
        except TimeoutError:
            raise DockwiseError(f"{what} never answered {plan.probes[0].name!r} on port {port} within "
                                f"{plan.startup_timeout:.0f} s: {containers.log_tail(container, 3)}",
                                "check the port it listens on, or raise startup_timeout in the probe file",
                                exit_code=exit_code) from None
        yield container, published.host_port, ready
    finally:
        containers.remove(container)


def ask_all(port: int, plan: ProbePlan, what: str, exit_code: int = 2) -> dict[str, Answer]:
    answers = {}
    for probe in plan.probes:
        try:
            answers[probe.name] = ask(port, probe)
        except (OSError, http.client.HTTPException) as exc:
            raise DockwiseError(f"{what} did not answer probe {probe.name!r} ({exc})", "see `docker logs`",
                                exit_code=exit_code) from None
    return answers


HEALTH_TIMED_OUT = -1


def run_health(container, command: list[str] | tuple[str, ...] | None, timeout: float = HEALTH_TIMEOUT) -> int | None:
    """The exit code of the HEALTHCHECK command run inside the container (as the image's user), HEALTH_TIMED_OUT
    if it has not ended within `timeout` seconds, or None without a command."""
    if not command:
        return None
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(container.exec_run, list(command))
    try:
        return future.result(timeout=timeout).exit_code
    except concurrent.futures.TimeoutError:
        return HEALTH_TIMED_OUT  # the exec ends with the container, which is removed next
    finally:
        pool.shutdown(wait=False)


def probe_image(client, image: str, config: dict, plan: ProbePlan, labels: dict[str, str], *, what: str,
                exit_code: int = 2) -> RunResult:
    """Run `image` untraced under the probes and its HEALTHCHECK command. The reads are asked twice: what changes
    from one answer to the next (`volatile`) may change in another image's answer too."""
    with serving(client, image, config, plan, labels, what=what, exit_code=exit_code) as (container, port, ready):
        answers = ask_all(port, plan, what, exit_code)
        reads = ProbePlan(tuple(p for p in plan.probes if p.method in ("GET", "HEAD")))
        again = ask_all(port, reads, what, exit_code)
        volatile = {p.name: volatile_tokens(p, answers[p.name], again[p.name]) for p in reads.probes}
        health = run_health(container, plan.health_command)
        return RunResult(answers, health, containers.log_tail(container, 5), ready, volatile)


@contextlib.contextmanager
def _trace_dirs() -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="dockwise-slim-trace-") as tmp:
        hook_dir, out_dir = Path(tmp) / "python", Path(tmp) / "out"
        hook_dir.mkdir()
        out_dir.mkdir()
        os.chmod(tmp, 0o755)
        os.chmod(hook_dir, 0o755)
        os.chmod(out_dir, 0o777)  # the image's user writes here
        hook = files("dockwise.slim") / "audit_hook.py"
        (hook_dir / "sitecustomize.py").write_text(hook.read_text(encoding="utf-8"), encoding="utf-8")
        os.chmod(hook_dir / "sitecustomize.py", 0o644)
        yield hook_dir, out_dir


def traced_run(client, image: str, config: dict, plan: ProbePlan, tracer: Tracer,
               labels: dict[str, str]) -> tuple[Trace, RunResult]:
    """Run `image` under strace and the audit hook, ask the probes, run the HEALTHCHECK command under strace too,
    read every process's maps, stop the service with its stop signal and collect the trace."""
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in config.get("Env") or [])
    python_path = HOOK_MOUNT + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    stop_signal = _signal_number(config.get("StopSignal") or "SIGTERM")
    traced = tracer.command(*STRACE_OPTIONS, "--", *image_command(config))
    with _trace_dirs() as (hook_dir, out_dir):
        mapped: list[MappedFile] = []
        with serving(client, image, config, plan, labels, what=f"{image} (traced)",
                     entrypoint=traced[:1], command=traced[1:], environment={"PYTHONPATH": python_path},
                     volumes={str(tracer.root): {"bind": TRACER_MOUNT, "mode": "ro"},
                              str(hook_dir): {"bind": HOOK_MOUNT, "mode": "ro"},
                              str(out_dir): {"bind": OUTPUT_MOUNT, "mode": "rw"}}) as (container, port, ready):
            answers = ask_all(port, plan, f"{image} (traced)")
            _read_maps(container, mapped)
            health = None
            if plan.health_command:
                health = run_health(container, tracer.command(*STRACE_OPTIONS, "--", *plan.health_command))
            _stop_service(container, stop_signal)
            log = container.logs().decode(errors="replace")
        result = RunResult(answers, health, " | ".join(log.strip().splitlines()[-5:]), ready)
        _check_tracer_log(log)
        processes = read_strace_dir(out_dir, "strace", config.get("WorkingDir") or "/")
        python_file = out_dir / "python.jsonl"
        lines = python_file.read_text(encoding="utf-8", errors="surrogateescape").splitlines() if python_file.exists() else []
        python, events, exits = parse_python_events(lines)
    return Trace(processes, python, events, exits, tuple(mapped), frozenset({1})), result


def _signal_number(name: str) -> int:
    if name.isdigit():
        return int(name)
    try:
        return int(getattr(signal, name if name.startswith("SIG") else "SIG" + name))
    except AttributeError:
        raise DockwiseError(f"the image's STOPSIGNAL {name!r} is unknown", "use a signal name such as SIGTERM",
                            exit_code=2) from None


def _host_processes(container) -> list[tuple[int, int, int]]:
    """(host pid, pid inside the container, host parent pid) of every process in the container."""
    top = container.top()
    column = top["Titles"].index("PID")
    found = []
    for row in top["Processes"] or []:
        host_pid = int(row[column])
        try:
            status = Path(f"/proc/{host_pid}/status").read_text()
        except OSError:
            continue  # it exited meanwhile
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        inner = int(fields.get("NSpid", str(host_pid)).split()[-1])
        found.append((host_pid, inner, int(fields.get("PPid", "0").strip())))
    return found


def _read_maps(container, mapped: list[MappedFile]) -> None:
    for host_pid, inner, _parent in _host_processes(container):
        if inner == 1:
            continue  # strace itself
        try:
            text = Path(f"/proc/{host_pid}/maps").read_text()
        except OSError:
            continue
        mapped.extend(parse_maps(inner, text))


SETTLE_BEFORE_STOP_S = 2.0


def _stop_service(container, stop_signal: int) -> None:
    """Signal the service (strace's child) as `docker stop` would signal PID 1, so strace sees every process exit;
    kill it if it does not stop in time (strace then records the kill). A worker still starting may not take the
    signal gracefully (granian kills it, and its trace ends without an exit), so the service first gets a moment
    to finish starting every worker."""
    time.sleep(SETTLE_BEFORE_STOP_S)
    processes = _host_processes(container)
    tracer = next((host for host, inner, _ in processes if inner == 1), None)
    for host, _inner, parent in processes:
        if parent == tracer:
            with contextlib.suppress(ProcessLookupError):
                os.kill(host, stop_signal)
    if _wait_exit(container, STOP_TIMEOUT):
        return
    for host, inner, _ in _host_processes(container):
        if inner != 1:
            with contextlib.suppress(ProcessLookupError):
                os.kill(host, signal.SIGKILL)
    if not _wait_exit(container, STOP_TIMEOUT):
        raise TraceLost("the traced service did not stop, even when killed")


def _wait_exit(container, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        if container.status in ("exited", "dead"):
            return True
        time.sleep(0.05)
    return False


def _check_tracer_log(log: str) -> None:
    for line in log.splitlines():
        if line.startswith("strace: "):
            raise TraceLost(f"strace reported {line[8:][:200]!r}")
