"""The tracer: Debian's strace, made runnable inside any image, and the traced run of the source image.

The target runs as it will run (its own user, WORKDIR, environment, entrypoint and cmd), with strace in front of
its entrypoint. strace comes from a small image built once, on the engine and for its architecture, from
dockwise/python:3.13-slim with Debian's `strace` package; its binary, the libraries it needs (found from DT_NEEDED
by dockwise.slim.elf) and their loader are copied out (through the engine API) to a cache on this host. Each run
copies that bundle into a fresh volume mounted read-only at /.dockwise-tracer, where the loader runs strace without
anything from the target image (which may have no shell and a different libc). strace traces its own children, as
the image's user, so no capability beyond the defaults is needed (Docker's seccomp profile allows ptrace on kernels
>= 4.8), and nothing runs privileged. A tracer container joining the target's PID namespace was rejected: it can
only attach after the target has started, and a Python service does most of its imports before it first answers.

The Python audit hook (dockwise/slim/audit_hook.py) is in a second volume, mounted read-only at /.dockwise-python,
first on PYTHONPATH. Both write into a third volume at /.dockwise-trace, read back through the engine API once the
service has stopped. The volumes are filled and read through a container that mounts them and never starts
(`put_archive`, `get_archive`), and removed with it whatever happens. The processes' /proc/<pid>/maps are read, and
the service is stopped, from inside the container (the image's own Python, exec'd in isolated mode so the audit hook
does not load). The probes run where dockwise.measure.reach puts them: from this host through a port published on
127.0.0.1 (a local engine), or from a helper container in the service's network namespace (any engine). Nothing
reads the host's /proc or mounts its directories: slim runs the same on a local or a remote engine.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import io
import json
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

from dockwise.core.errors import EXIT_FAILED, EXIT_USAGE, DockwiseError
from dockwise.core.platform import Platform
from dockwise.engine import containers
from dockwise.engine.setup_run import StepWrapper, setup_step
from dockwise.measure.reach import HostReach, PodReach, Reach
from dockwise.service.contract import tcp_ports
from dockwise.slim.elf import DEFAULT_LIBRARY_DIRS, read_elf
from dockwise.slim.probes import Answer, ProbePlan, ask_each, volatile_tokens, wait_until_answering
from dockwise.slim.trace import (
    MappedFile,
    Trace,
    TraceLost,
    parse_maps,
    parse_python_events,
    read_strace_dir,
)

TRACER_BASE = "dockwise/python:3.13-slim"
TRACER_STEPS = """RUN apt-get update \\
    && apt-get install -y --no-install-recommends strace \\
    && rm -rf /var/lib/apt/lists/*
"""
TRACER_MOUNT, HOOK_MOUNT, OUTPUT_MOUNT = "/.dockwise-tracer", "/.dockwise-python", "/.dockwise-trace"
STRACE_OPTIONS = (
    "-f",
    "-ff",
    "-q",
    "-y",
    "--seccomp-bpf",
    "-e",
    "trace=%file,%process",
    "-e",
    "signal=none",
    "-o",
    f"{OUTPUT_MOUNT}/strace",
)
"""-ff: one file per process (no interleaved lines); -y: the path of every descriptor (openat's directory, the
working directory of AT_FDCWD); --seccomp-bpf: only the traced calls stop the process (a small slowdown)."""
HOSTNAME = "dockwise-slim"
"""Every container slim starts has this host name, so pages that show it are the same in every run."""
STOP_TIMEOUT = 30.0
HEALTH_TIMEOUT = 30.0


@dataclass(frozen=True)
class Tracer:
    """The strace bundle cached on this host (`root`), as mounted in the traced container at TRACER_MOUNT:
    `loader` runs `strace` with `lib` as its only library directory."""

    root: Path

    def command(self, *args: str) -> list[str]:
        return [
            f"{TRACER_MOUNT}/lib/{self.loader_name}",
            "--library-path",
            f"{TRACER_MOUNT}/lib",
            f"{TRACER_MOUNT}/bin/strace",
            *args,
        ]

    @property
    def loader_name(self) -> str:
        return (self.root / "loader").read_text().strip()


# The tracer image is dockwise's own (Debian's strace on the slim base): when it is not what slim needs, slimming
# failed (exit 1), and building it from a fresh base is the fix.
REBUILD_TRACER = "build the slim base again (`dockwise base --only slim --rebuild`), then run slim again"


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwise" / "slim-tracer"


def tracer_dockerfile(platform: Platform) -> str:
    return f"FROM {platform.tag(TRACER_BASE)}\n{TRACER_STEPS}"


def ensure_tracer(client, say: Callable[[str], None] = lambda _m: None) -> Tracer:
    """The cached strace bundle for the engine's architecture, built there (image + extraction, about half a minute)
    when missing."""
    from dockwise.measure.pod import engine_platform

    platform = engine_platform(client)
    dockerfile = tracer_dockerfile(platform)
    key = hashlib.sha256(dockerfile.encode()).hexdigest()[:12]
    root = _cache_root() / key
    if (root / "loader").is_file():
        return Tracer(root)
    from dockwise.debian.bases import ensure_bases
    from dockwise.engine.buildkit import BuildRequest, build_image

    say(f"building the tracer image (Debian's strace, {platform})")
    ensure_bases(kinds=("slim",), say=say, platforms=(platform,))
    tag = f"dockwise/slim-tracer:{key}"
    with tempfile.TemporaryDirectory(prefix="dockwise-tracer-") as context:
        (Path(context) / "Dockerfile").write_text(dockerfile)
        build_image(
            BuildRequest(
                context=Path(context),
                dockerfile=Path(context) / "Dockerfile",
                tag=tag,
                labels={"dockwise.slim.tracer": key},
            )
        )
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
            raise DockwiseError(
                f"the tracer image {tag}'s strace has no program interpreter", REBUILD_TRACER, exit_code=EXIT_FAILED
            )
        loader = posixpath.basename(info.interpreter)
        (out / "lib" / loader).write_bytes(_required(container, info.interpreter))
        pending, done = list(info.needed), {loader}
        while pending:
            name = pending.pop()
            if name in done:
                continue
            done.add(name)
            data = next(
                (
                    d
                    for d in (
                        _fetch(container, f"/{directory}/{name}", missing_ok=True) for directory in DEFAULT_LIBRARY_DIRS
                    )
                    if d is not None
                ),
                None,
            )
            if data is None:
                raise DockwiseError(
                    f"the tracer image {tag} lacks {name}, which strace needs", REBUILD_TRACER, exit_code=EXIT_FAILED
                )
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
        raise DockwiseError(f"{path} is missing from the tracer image", REBUILD_TRACER, exit_code=EXIT_FAILED)
    return data


def _fetch(container, path: str, *, missing_ok: bool = False, hops: int = 0) -> bytes | None:
    """A file's bytes from a created container, following symlinks (get_archive returns the link itself)."""
    from docker.errors import NotFound

    try:
        stream, _ = container.get_archive(path)
    except NotFound:
        if missing_ok:
            return None
        raise DockwiseError(f"{path} is missing from the tracer image", REBUILD_TRACER, exit_code=EXIT_FAILED) from None
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        member = archive.next()
        assert member is not None
        if member.issym() and hops < 8:
            target = (
                member.linkname
                if member.linkname.startswith("/")
                else posixpath.join(posixpath.dirname(path), member.linkname)
            )
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
        raise DockwiseError(
            "the image has neither ENTRYPOINT nor CMD",
            "give it the command that starts the service",
            exit_code=EXIT_USAGE,
        )
    return command


def exposed_port(config: dict) -> int:
    ports = tcp_ports(config.get("ExposedPorts") or {})
    if not ports:
        raise DockwiseError(
            "the image exposes no TCP port", "EXPOSE the port the service listens on", exit_code=EXIT_USAGE
        )
    return ports[0]


@contextlib.contextmanager
def serving(
    client,
    image: str,
    config: dict,
    plan: ProbePlan,
    labels: dict[str, str],
    *,
    what: str,
    exit_code: int = 2,
    **options,
) -> Iterator[tuple[Any, Reach, float]]:
    """A container of `image` that has answered its first probe: (container, where the probes reach it, seconds to
    the answer). On a local engine its port is published on 127.0.0.1 and the probes run here; on any other, nothing
    is published and they run in a helper container that joins its network namespace (dockwise.measure.pod).
    Removed however the block ends. A container that stops or never answers raises (exit `exit_code`)."""
    from docker.errors import APIError

    from dockwise.engine.endpoint import client_is_local
    from dockwise.measure import pod

    port = exposed_port(config)
    local = client_is_local(client)
    published = containers.start(
        client, image, port=port if local else None, labels=labels, hostname=HOSTNAME, **options
    )
    container = published.container

    def alive() -> bool:
        container.reload()
        return container.status not in ("exited", "dead")

    try:
        with contextlib.ExitStack() as stack:
            try:
                if local:
                    assert published.host_port is not None
                    reach: Reach = HostReach(published.host_port)
                else:
                    try:
                        reach = PodReach(stack.enter_context(pod.helper_joining(client, container, labels)), port)
                    except APIError as exc:
                        if not alive():
                            raise ChildProcessError("the container stopped") from None
                        raise DockwiseError(
                            f"the probe helper could not join {what}'s network namespace "
                            f"({str(exc.explanation or exc)[:160]})",
                            "check `dockwise doctor`",
                            exit_code=EXIT_FAILED,
                        ) from None
                ready = wait_until_answering(reach, plan.probes[0], plan.startup_timeout, alive)
            except ChildProcessError:
                container.reload()
                code = container.attrs["State"]["ExitCode"]
                raise DockwiseError(
                    f"{what} exited (code {code}) before answering on port {port}: {containers.log_tail(container, 3)}",
                    "run it by hand and read `docker logs`",
                    exit_code=exit_code,
                ) from None
            except TimeoutError:
                raise DockwiseError(
                    f"{what} never answered {plan.probes[0].name!r} on port {port} within "
                    f"{plan.startup_timeout:.0f} s: {containers.log_tail(container, 3)}",
                    "check the port it listens on, or raise startup_timeout in the probe file",
                    exit_code=exit_code,
                ) from None
            yield container, reach, ready
    finally:
        containers.remove(container)


def ask_all(reach: Reach, plan: ProbePlan, what: str, exit_code: int = 2) -> dict[str, Answer]:
    answers = {}
    for probe, answer in zip(plan.probes, ask_each(reach, plan.probes), strict=False):
        if isinstance(answer, ConnectionError):
            raise DockwiseError(
                f"{what} did not answer probe {probe.name!r} ({answer})", "see `docker logs`", exit_code=exit_code
            )
        answers[probe.name] = answer
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


def probe_image(
    client, image: str, config: dict, plan: ProbePlan, labels: dict[str, str], *, what: str, exit_code: int = 2
) -> RunResult:
    """Run `image` untraced under the probes and its HEALTHCHECK command. The reads are asked twice: what changes
    from one answer to the next (`volatile`) may change in another image's answer too."""
    with serving(client, image, config, plan, labels, what=what, exit_code=exit_code) as (container, reach, ready):
        answers = ask_all(reach, plan, what, exit_code)
        reads = ProbePlan(tuple(p for p in plan.probes if p.method in ("GET", "HEAD")))
        again = ask_all(reach, reads, what, exit_code)
        volatile = {p.name: volatile_tokens(p, answers[p.name], again[p.name]) for p in reads.probes}
        health = run_health(container, plan.health_command)
        return RunResult(answers, health, containers.log_tail(container, 5), ready, volatile)


# -- the traced run's volumes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceVolumes:
    """The traced run's volumes by mount point (the strace bundle and the audit hook, mounted read-only; the output,
    which the image's user writes), and the created, never started container (`holder`) that mounts them at the
    same places, through which they are filled and read."""

    holder: Any  # docker SDK Container
    names: dict[str, str]

    def mounts(self) -> dict[str, dict[str, str]]:
        return {
            name: {"bind": mount, "mode": "rw" if mount == OUTPUT_MOUNT else "ro"} for mount, name in self.names.items()
        }

    def collect(self, into: Path) -> None:
        """Every file the run wrote into the output volume, copied into the directory `into`."""
        from docker.errors import DockerException

        with tempfile.TemporaryFile(prefix="dockwise-slim-trace-") as spool:
            try:
                stream, _ = self.holder.get_archive(OUTPUT_MOUNT)
                for chunk in stream:
                    spool.write(chunk)
            except DockerException as exc:
                raise TraceLost(f"reading the trace from its volume failed ({str(exc)[:160]})") from None
            spool.seek(0)
            with tarfile.open(fileobj=spool, mode="r|") as archive:
                for member in archive:
                    parts = member.name.strip("/").split("/")
                    if member.isfile() and len(parts) == 2 and parts[1] not in ("", ".", ".."):
                        handle = archive.extractfile(member)
                        assert handle is not None
                        with (into / parts[1]).open("wb") as out:
                            shutil.copyfileobj(handle, out)


def _inputs_archive(tracer: Tracer) -> bytes:
    """A tar for `put_archive` at /: the three mount points (the output one writable by anyone: the image's user
    writes there), the strace bundle and the audit hook, all owned by root."""

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    def directory(name: str, mode: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type, info.mode = tarfile.DIRTYPE, mode
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(str(tracer.root), arcname=TRACER_MOUNT.lstrip("/"), filter=owned_by_root)
        archive.addfile(directory(HOOK_MOUNT.lstrip("/"), 0o755))
        hook = (files("dockwise.slim") / "audit_hook.py").read_bytes()
        info = tarfile.TarInfo(f"{HOOK_MOUNT.lstrip('/')}/sitecustomize.py")
        info.size, info.mode = len(hook), 0o644
        archive.addfile(info, io.BytesIO(hook))
        archive.addfile(directory(OUTPUT_MOUNT.lstrip("/"), 0o777))
    return buffer.getvalue()


@contextlib.contextmanager
def trace_volumes(client, image: str, tracer: Tracer, labels: dict[str, str]) -> Iterator[TraceVolumes]:
    """The run's volumes, filled, for a `with` block; the holder and the volumes are removed however it ends."""
    from docker.errors import DockerException, NotFound

    made: list[Any] = []
    holder = None
    try:
        for _mount in (TRACER_MOUNT, HOOK_MOUNT, OUTPUT_MOUNT):
            made.append(client.volumes.create(labels=labels))
        names = dict(zip((TRACER_MOUNT, HOOK_MOUNT, OUTPUT_MOUNT), (v.name for v in made), strict=True))
        holder = client.containers.create(
            image,
            labels=labels,
            entrypoint=["/"],
            command=[],
            network_mode="none",
            volumes={name: {"bind": mount, "mode": "rw"} for mount, name in names.items()},
        )
        try:
            holder.put_archive("/", _inputs_archive(tracer))
        except DockerException as exc:
            raise DockwiseError(
                f"copying the tracer into its volumes failed ({str(exc)[:160]})", "check `dockwise doctor`"
            ) from None
        yield TraceVolumes(holder, names)
    finally:
        if holder is not None:
            containers.remove(holder)
        for volume in made:
            with contextlib.suppress(NotFound):
                volume.remove(force=True)


def traced_run(
    client, image: str, config: dict, plan: ProbePlan, tracer: Tracer, labels: dict[str, str]
) -> tuple[tuple[Trace, ...], RunResult]:
    """Run `image` under strace and the audit hook, ask the probes, run the HEALTHCHECK command under strace too,
    read every process's maps, stop the service with its stop signal and collect the trace. An image with a setup
    step gets it run first, in its one-shot container, under strace and the hook too, into trace volumes of its own
    (its processes have PIDs of their own, and its files must not be taken for the service's): the traces are the
    service's, then the setup step's if there is one, each to be checked on its own."""
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in config.get("Env") or [])
    python_path = HOOK_MOUNT + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    stop_signal = _signal_number(config.get("StopSignal") or "SIGTERM")
    traced = tracer.command(*STRACE_OPTIONS, "--", *image_command(config))
    workdir = config.get("WorkingDir") or "/"
    with contextlib.ExitStack() as stack:
        volumes = stack.enter_context(trace_volumes(client, image, tracer, labels))
        setup_volumes = None
        wrapper = None
        if setup_step(image, config.get("Labels") or {}) is not None:
            setup_volumes = stack.enter_context(trace_volumes(client, image, tracer, labels))
            wrapper = StepWrapper(
                argv=tuple(tracer.command(*STRACE_OPTIONS, "-E", f"PYTHONPATH={python_path}", "--")),
                volumes=setup_volumes.mounts(),
            )
        with serving(
            client,
            image,
            config,
            plan,
            labels,
            what=f"{image} (traced)",
            entrypoint=traced[:1],
            command=traced[1:],
            setup=True,  # the image's own command under strace: set up as the untraced run is
            setup_wrapper=wrapper,
            environment={"PYTHONPATH": python_path},
            volumes=volumes.mounts(),
        ) as (container, reach, ready):
            answers = ask_all(reach, plan, f"{image} (traced)")
            inside = Inside(container, container_python(container))
            mapped = inside.maps()
            health = None
            if plan.health_command:
                health = run_health(container, tracer.command(*STRACE_OPTIONS, "--", *plan.health_command))
            _stop_service(container, inside, stop_signal)
            log = container.logs().decode(errors="replace")
        result = RunResult(answers, health, " | ".join(log.strip().splitlines()[-5:]), ready)
        _check_tracer_log(log)
        traces = [_collected(volumes, workdir, tuple(mapped), frozenset({1}))]
        if setup_volumes is not None:
            traces.append(_collected(setup_volumes, workdir, (), frozenset()))
    return tuple(traces), result


def _collected(
    volumes: TraceVolumes, workdir: str, mapped: tuple[MappedFile, ...], tracer_pids: frozenset[int]
) -> Trace:
    """The trace one run wrote into its output volume (strace's per-process files, the hook's python.jsonl)."""
    with tempfile.TemporaryDirectory(prefix="dockwise-slim-trace-") as tmp:
        out_dir = Path(tmp)
        volumes.collect(out_dir)
        processes = read_strace_dir(out_dir, "strace", workdir)
        python_file = out_dir / "python.jsonl"
        lines = (
            python_file.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
            if python_file.exists()
            else []
        )
    python, events, exits = parse_python_events(lines)
    return Trace(processes, python, events, exits, mapped, tracer_pids)


def _signal_number(name: str) -> int:
    if name.isdigit():
        return int(name)
    try:
        return int(getattr(signal, name if name.startswith("SIG") else "SIG" + name))
    except AttributeError:
        raise DockwiseError(
            f"the image's STOPSIGNAL {name!r} is unknown", "use a signal name such as SIGTERM", exit_code=EXIT_USAGE
        ) from None


# -- the container's processes, seen from inside ---------------------------------------------------------------

_PROCESSES = r"""
import json, os, sys
action, number, me, found = sys.argv[1], int(sys.argv[2]), os.getpid(), {}
for name in os.listdir("/proc"):
    if not name.isdigit() or int(name) in (1, me):
        continue
    pid = int(name)
    try:
        if action == "maps":
            with open("/proc/%d/maps" % pid, errors="surrogateescape") as handle:
                found[pid] = handle.read()
            continue
        with open("/proc/%d/status" % pid) as handle:
            parent = next(int(line.split()[1]) for line in handle if line.startswith("PPid:"))
        if action == "kill" or parent == 1:
            os.kill(pid, number)
            found[pid] = parent
    except (OSError, StopIteration):
        continue
print(json.dumps(found))
"""
"""Run by the image's own Python inside the traced container, as its user, with the container's PIDs: every
process but strace (PID 1) and this one: `maps` reads their /proc/<pid>/maps; `signal N` sends N to strace's
children (the service), `kill N` to all of them."""


def container_python(container) -> str:
    """The first of hardening's PYTHON_CANDIDATES that runs in the container, in isolated mode (-I: PYTHONPATH, which
    puts the audit hook first, is ignored; -S: no site, so nothing of the image's own loads either)."""
    from docker.errors import APIError

    from dockwise.measure.hardening import PYTHON_CANDIDATES

    for python in PYTHON_CANDIDATES:
        try:
            if container.exec_run([python, "-I", "-S", "-c", ""]).exit_code == 0:
                return python
        except APIError:
            raise TraceLost("the traced service stopped before its processes' maps were read") from None
    raise TraceLost(f"none of {', '.join(PYTHON_CANDIDATES)} runs in the container, to read its processes' maps")


@dataclass(frozen=True)
class Inside:
    """The traced container's processes, reached through `docker exec` of its own Python (not traced: not a child
    of strace)."""

    container: Any  # docker SDK Container
    python: str

    def _run(self, action: str, number: int = 0) -> dict[int, Any]:
        from docker.errors import APIError

        try:
            result = self.container.exec_run([self.python, "-I", "-S", "-c", _PROCESSES, action, str(number)])
        except APIError:
            return {}  # the container has stopped: nothing left to read or signal
        output = result.output.decode(errors="replace").strip().splitlines()
        if result.exit_code != 0 or not output:
            raise TraceLost(
                f"reading the container's processes failed (exit {result.exit_code}): "
                f"{(output or ['no output'])[-1][:200]}"
            )
        return {int(pid): value for pid, value in json.loads(output[-1]).items()}

    def maps(self) -> list[MappedFile]:
        return [file for pid, text in self._run("maps").items() for file in parse_maps(pid, text)]

    def signal_service(self, number: int) -> None:
        self._run("signal", number)

    def kill_all(self) -> None:
        self._run("kill", int(signal.SIGKILL))


SETTLE_BEFORE_STOP_S = 2.0


def _stop_service(container, inside: Inside, stop_signal: int) -> None:
    """Signal the service (strace's child) as `docker stop` would signal PID 1, so strace sees every process exit;
    kill it if it does not stop in time (strace then records the kill). A worker still starting may not take the
    signal gracefully (granian kills it, and its trace ends without an exit), so the service first gets a moment
    to finish starting every worker."""
    time.sleep(SETTLE_BEFORE_STOP_S)
    inside.signal_service(stop_signal)
    if _wait_exit(container, STOP_TIMEOUT):
        return
    inside.kill_all()
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
