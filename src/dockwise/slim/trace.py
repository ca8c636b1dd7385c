"""What a traced run recorded, parsed and checked for loss.

Three sources, each captured without `--privileged`:
- strace (`-ff -y`, `%file` and `%process` syscalls): every path a process (Python or native code: the loader,
  libc, OpenSSL) opened, stat'ed, executed or read a link of, and every fork, exec and exit;
- the Python audit hook (dockwise.slim.audit_hook, loaded as `sitecustomize`): `sys.modules` at start and exit,
  every `import` (module name, extension file), `open`, `ctypes.dlopen` and directory listing done by Python;
- `/proc/<pid>/maps` of every process in the container, read from inside it (dockwise.slim.tracer) once the probes
  have run.

Loss is an error, never a silent gap: a process whose strace file does not end in its exit, a Python interpreter
that ran without reporting through the hook, a module present at exit that was never seen imported, or a mapped
file that strace never saw opened.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dockwise.core.errors import DockwiseError

MISSING_ERRNOS = frozenset({"ENOENT", "ENOTDIR", "ENAMETOOLONG", "ELOOP"})
"""A call that failed with one of these proves nothing exists there; any other failure (EACCES...) means it does."""

TWO_PATH_CALLS = frozenset({"rename", "renameat", "renameat2", "link", "linkat"})
FORK_CALLS = frozenset({"clone", "clone3", "fork", "vfork"})
EXEC_CALLS = frozenset({"execve", "execveat"})
PSEUDO_ROOTS = ("proc", "sys", "dev")
"""Kernel file systems: paths under them are never image content."""


class TraceLost(DockwiseError):
    """Part of the trace is missing: the image is not built from it."""

    def __init__(self, cause: str) -> None:
        super().__init__(f"trace incomplete: {cause}", "nothing was built; run again, and report it if it persists")


@dataclass(frozen=True)
class Syscall:
    """One completed system call of one process: its name, the paths it named (absolute, normalized, as the
    process named them: symlinks not yet resolved), and its result."""

    pid: int
    name: str
    paths: tuple[str, ...]
    result: str
    errno: str | None

    @property
    def found(self) -> bool:
        """The named path exists (the call succeeded, or failed for a reason other than absence)."""
        return self.errno is None or self.errno not in MISSING_ERRNOS


@dataclass(frozen=True)
class ProcessTrace:
    """Everything strace wrote about one process (or thread)."""

    pid: int
    calls: tuple[Syscall, ...]
    children: tuple[int, ...]
    execs: tuple[str, ...]
    exit: str | None  # "exited with 0", "killed by SIGKILL", or None when the file stops short
    threads: tuple[int, ...] = ()  # the children that are threads of this process (clone with CLONE_THREAD)


@dataclass(frozen=True)
class PythonProcess:
    """What the audit hook reported when an interpreter started (a forked child, such as a gunicorn worker, has no
    start of its own: it shares its parent's)."""

    pid: int
    executable: str
    prefix: str
    base_prefix: str
    sys_path: tuple[str, ...]
    cache_tag: str | None
    extension_suffixes: tuple[str, ...]
    version: str
    modules_at_start: dict[str, str | None]


@dataclass(frozen=True)
class PythonEvent:
    pid: int
    kind: str  # "import", "open", "dlopen", "listdir"
    name: str  # module name, path or library name
    path: str | None  # the extension file of an import, else None


@dataclass(frozen=True)
class MappedFile:
    pid: int
    path: str


@dataclass(frozen=True)
class Trace:
    processes: tuple[ProcessTrace, ...]
    python: tuple[PythonProcess, ...]
    python_events: tuple[PythonEvent, ...]
    python_exits: dict[int, dict[str, str | None]]
    """sys.modules of each interpreter process (forked ones included) when it exited normally."""
    mapped: tuple[MappedFile, ...]
    tracer_pids: frozenset[int] = field(default_factory=frozenset)

    def calls(self) -> Iterator[Syscall]:
        for process in self.processes:
            yield from process.calls

    def found_paths(self) -> dict[str, str]:
        """Every path that some source saw existing, with the first source that saw it (for the report)."""
        seen: dict[str, str] = {}
        for call in self.calls():
            if call.found:
                for path in call.paths:
                    seen.setdefault(path, f"{call.name} by pid {call.pid}")
        for mapped in self.mapped:
            seen.setdefault(mapped.path, f"mapped by pid {mapped.pid}")
        for event in self.python_events:
            if event.kind == "open":
                seen.setdefault(event.name, f"opened by Python (pid {event.pid})")
            elif event.kind == "import" and event.path:
                seen.setdefault(event.path, f"extension module {event.name}")
        return seen

    def named_paths(self) -> set[str]:
        """Every path some process named, whether it existed or not."""
        return {path for call in self.calls() for path in call.paths}

    def listed_dirs(self) -> dict[str, str]:
        """Directories whose listing Python code (not the import system) read: their entries matter."""
        return {e.name: f"listed by Python (pid {e.pid})" for e in self.python_events if e.kind == "listdir"}

    def imported_modules(self) -> dict[str, str | None]:
        """Every module any interpreter had loaded (name -> file), at start, by import, or at exit."""
        modules: dict[str, str | None] = {}
        for process in self.python:
            modules.update(process.modules_at_start)
        for exited in self.python_exits.values():
            modules.update(exited)
        for event in self.python_events:
            if event.kind == "import":
                modules.setdefault(event.name, event.path)
        return modules


def joined(traces: tuple[Trace, ...]) -> Trace:
    """The traces of several runs (the service's, its setup step's) as one, for the keep-set and the report. Each
    run has a PID namespace of its own, so the same PID may name two processes: check each run's trace on its own
    (check_complete) before joining; an exit record of a PID both runs have keeps the modules of both."""
    exits: dict[int, dict[str, str | None]] = {}
    for trace in traces:
        for pid, modules in trace.python_exits.items():
            exits[pid] = {**exits.get(pid, {}), **modules}
    return Trace(
        processes=tuple(p for t in traces for p in t.processes),
        python=tuple(p for t in traces for p in t.python),
        python_events=tuple(e for t in traces for e in t.python_events),
        python_exits=exits,
        mapped=tuple(m for t in traces for m in t.mapped),
        tracer_pids=frozenset(pid for t in traces for pid in t.tracer_pids),
    )


# -- strace -----------------------------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b"}


def unquote(literal: str) -> str:
    """A C string literal as strace prints it (`"..."`, \\xNN, \\NNN octal and the usual escapes), as a str whose
    undecodable bytes are surrogate escapes (os.fsdecode's convention)."""
    body = literal[1:-1] if literal.startswith('"') and literal.endswith('"') else literal
    out = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\" or index + 1 >= len(body):
            out += char.encode("utf-8", "surrogateescape")
            index += 1
            continue
        nxt = body[index + 1]
        if nxt == "x" and re.match(r"[0-9a-fA-F]{2}", body[index + 2 : index + 4]):
            out.append(int(body[index + 2 : index + 4], 16))
            index += 4
        elif nxt in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[index + 1 :])
            assert digits is not None
            out.append(int(digits.group(0), 8) & 0xFF)
            index += 1 + len(digits.group(0))
        else:
            out += _ESCAPES.get(nxt, nxt).encode()
            index += 2
    return out.decode("utf-8", "surrogateescape")


def split_call(line: str) -> tuple[str, list[str], str] | None:
    """`name(arg, arg, ...) = result` -> (name, top-level argument texts, result text); None for other lines."""
    match = re.match(r"(\w+)\(", line)
    if match is None:
        return None
    args: list[str] = []
    depth = 0
    start = index = match.end()
    quoted = False
    while index < len(line):
        char = line[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "[{<":
            depth += 1
        elif char in "]}>":
            depth -= 1
        elif char == "," and depth == 0:
            args.append(line[start:index].strip())
            start = index + 1
        elif char == ")" and depth == 0:
            args.append(line[start:index].strip())
            rest = line[index + 1 :].strip()
            if not rest.startswith("="):
                return None
            return match.group(1), [a for a in args if a], rest[1:].strip()
        index += 1
    return None


def _fd_path(arg: str) -> str | None:
    """The path strace -y shows for a descriptor argument: `AT_FDCWD</app>` or `3</usr/lib>`."""
    match = re.match(r"(?:AT_FDCWD|\d+)<(.*)>$", arg)
    return unquote(match.group(1)) if match else None


def _call_paths(name: str, args: list[str], cwd: str) -> tuple[str, ...]:
    """The absolute paths a call named: each string argument, joined with the descriptor argument before it."""
    wanted = 2 if name in TWO_PATH_CALLS else 1
    paths: list[str] = []
    base = cwd
    for arg in args:
        directory = _fd_path(arg)
        if directory is not None:
            base = directory
            continue
        if arg.startswith('"'):
            text = unquote(arg.removesuffix("..."))
            paths.append(posixpath.normpath(posixpath.join(base, text)) if text else base)
            base = cwd
            if len(paths) == wanted:
                break
        elif arg.startswith("["):
            break  # execve's argv: strings, but not paths
    return tuple("/" + p.lstrip("/") for p in paths)


def parse_strace_file(pid: int, lines: Iterable[str], cwd: str) -> ProcessTrace:
    """One `strace -ff -y` output file (the calls of one process) into a ProcessTrace.

    `cwd` is the working directory the process started in (calls without a descriptor argument are relative to
    it); an `<unfinished ...>` call is joined with its `<... resumed>` line.
    """
    calls: list[Syscall] = []
    children: list[int] = []
    execs: list[str] = []
    threads: list[int] = []
    exit_status: str | None = None
    self_killed: str | None = None
    pending = ""
    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith("+++ "):
            exit_status = line.strip("+ ").strip()
            continue
        if line.startswith("--- ") or not line.strip():
            continue
        if line.endswith("<unfinished ...>"):
            pending = line[: -len("<unfinished ...>")].rstrip()
            continue
        resumed = re.match(r"<\.\.\. \w+ resumed>\s?(.*)$", line)
        if resumed:
            line, pending = pending + resumed.group(1), ""
        parsed = split_call(line)
        if parsed is None:
            continue
        name, args, result = parsed
        self_signal = _self_signal(pid, name, args, result)
        if self_signal:
            # The process re-raised a fatal signal at itself (uvicorn does, after a graceful stop): it ended there,
            # though strace, tracing no signals, may write no "+++ killed" line after it.
            self_killed = self_signal
        errno_match = re.match(r"-1 (E[A-Z0-9]+)", result)
        errno = errno_match.group(1) if errno_match else None
        if name in FORK_CALLS and errno is None and re.match(r"\d+", result):
            child = int(re.match(r"\d+", result).group(0))  # type: ignore[union-attr]
            children.append(child)
            if "CLONE_THREAD" in " ".join(args):
                threads.append(child)
            continue
        if name == "chdir" and errno is None and args and args[0].startswith('"'):
            cwd = posixpath.normpath(posixpath.join(cwd, unquote(args[0])))
        paths = _call_paths(name, args, cwd)
        if not paths:
            continue
        if name in EXEC_CALLS and errno is None:
            execs.append(paths[0])
        calls.append(Syscall(pid, name, paths, result, errno))
    if exit_status is None and self_killed:
        exit_status = f"killed by {self_killed} (raised at itself)"
    return ProcessTrace(pid, tuple(calls), tuple(children), tuple(execs), exit_status, tuple(threads))


FATAL_BY_DEFAULT = frozenset({"SIGTERM", "SIGINT", "SIGQUIT", "SIGKILL", "SIGABRT", "SIGHUP"})


def _self_signal(pid: int, name: str, args: list[str], result: str) -> str | None:
    """The fatal signal a successful kill/tgkill/tkill sends to the calling process itself, else None."""
    if result != "0" or name not in ("kill", "tgkill", "tkill") or not args:
        return None
    target = args[:2] if name == "tgkill" else args[:1]
    if any(a.strip() != str(pid) for a in target):
        return None
    signal = args[-1].strip()
    return signal if signal in FATAL_BY_DEFAULT else None


def read_strace_dir(directory: Path, prefix: str, workdir: str) -> tuple[ProcessTrace, ...]:
    """Every `<prefix>.<pid>` file strace -ff wrote; each process starts in its parent's working directory, which
    is the image's WORKDIR unless the parent changed it (rare for servers; relative calls are then joined with it)."""
    traces = []
    for path in sorted(
        directory.glob(prefix + ".*"), key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else -1
    ):
        suffix = path.suffix[1:]
        if not suffix.isdigit():
            continue
        with path.open(encoding="utf-8", errors="surrogateescape") as handle:
            traces.append(parse_strace_file(int(suffix), handle, workdir))
    return tuple(traces)


# -- the Python audit hook --------------------------------------------------------------------------------------


def parse_python_events(
    lines: Iterable[str],
) -> tuple[tuple[PythonProcess, ...], tuple[PythonEvent, ...], dict[int, dict[str, str | None]]]:
    """The hook's JSON lines into interpreter starts, events, and sys.modules at each process's exit."""
    processes: list[PythonProcess] = []
    exits: dict[int, dict[str, str | None]] = {}
    events: list[PythonEvent] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            pid, kind = int(record["pid"]), record["e"]
        except (ValueError, KeyError, TypeError):
            raise TraceLost(f"line {number} of the Python trace is not a hook record: {line[:80]!r}") from None
        if kind == "start":
            processes.append(
                PythonProcess(
                    pid=pid,
                    executable=record.get("exe") or "",
                    prefix=record.get("prefix") or "",
                    base_prefix=record.get("base_prefix") or "",
                    sys_path=tuple(record.get("path") or ()),
                    cache_tag=record.get("cache_tag"),
                    extension_suffixes=tuple(record.get("ext") or ()),
                    version=record.get("version") or "",
                    modules_at_start=dict(record.get("modules") or {}),
                )
            )
        elif kind == "exit":
            exits[pid] = dict(record.get("modules") or {})
        elif kind in ("import", "open", "dlopen", "listdir"):
            events.append(PythonEvent(pid, kind, str(record.get("n", "")), record.get("f")))
    return tuple(processes), tuple(events), exits


# -- /proc/<pid>/maps -------------------------------------------------------------------------------------------


def parse_maps(pid: int, text: str) -> tuple[MappedFile, ...]:
    """The files a process has mapped (as paths inside its container), from its /proc/<pid>/maps."""
    found: dict[str, None] = {}
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6 or not parts[5].startswith("/"):
            continue
        path = parts[5].removesuffix(" (deleted)")
        found.setdefault(path, None)
    return tuple(MappedFile(pid, path) for path in found)


# -- loss checks ------------------------------------------------------------------------------------------------


def check_complete(
    trace: Trace,
    *,
    resolve: Callable[[str], str | None],
    is_python: Callable[[str], bool],
    interpreter: Callable[[str], str | None],
) -> None:
    """Raise TraceLost unless every source is whole (see the module docstring).

    `resolve` maps a path as a process named it to the image path it reaches (None: not in the image);
    `is_python` tells whether an image path is a Python interpreter; `interpreter` gives an executable's program
    interpreter (the kernel maps it at exec, with no open call to trace).
    """
    traced_pids = {p.pid for p in trace.processes}
    if not traced_pids:
        raise TraceLost("strace wrote no process file")
    leader = {thread: p.pid for p in trace.processes for thread in p.threads}
    exited = {p.pid for p in trace.processes if p.exit is not None}
    for process in trace.processes:
        owner = process.pid
        while owner in leader:  # a thread ends when its process does: exit_group takes it without a record of its own
            owner = leader[owner]
        if process.exit is None and owner not in exited:
            raise TraceLost(f"the strace file of pid {process.pid} stops before the process exited")
        for child in process.children:
            if child not in traced_pids:
                raise TraceLost(f"pid {process.pid} started pid {child}, which strace did not follow")
    reported = {p.pid for p in trace.python}
    for process in trace.processes:
        for executable in process.execs:
            target = resolve(executable)
            if target is not None and is_python(target) and process.pid not in reported:
                raise TraceLost(
                    f"pid {process.pid} ran {executable} but the Python audit hook never reported "
                    "(does the interpreter run with -I, -E or -S, ignoring PYTHONPATH?)"
                )
    opened = {resolve(path) for call in trace.calls() if call.found for path in call.paths}
    seen_modules = {name for p in trace.python for name in p.modules_at_start}
    seen_modules |= {e.name for e in trace.python_events if e.kind == "import"}
    known_files = {file for p in trace.python for file in p.modules_at_start.values() if file}
    known_files |= {
        file
        for modules in trace.python_exits.values()
        for name, file in modules.items()
        if file and name in seen_modules
    }
    for pid, modules in sorted(trace.python_exits.items()):
        for name, file in sorted(modules.items()):
            # A module put into sys.modules by hand (an alias such as collections.abc, a config file run as a
            # module) raises no import event; one loaded from a file must at least have had that file opened.
            if name not in seen_modules and file and file not in known_files and resolve(file) not in opened:
                raise TraceLost(
                    f"module {name} ({file}) was loaded in pid {pid}, but neither its import nor its file was traced"
                )
    pending = [resolve(path) for process in trace.processes for path in process.execs]
    while pending:  # a script's #! interpreter, then that program's loader: all mapped by the kernel at exec
        path = pending.pop()
        if path and path not in opened:
            opened.add(path)
            pending.append(interpreter(path))
        elif path:
            next_path = interpreter(path)
            if next_path and next_path not in opened:
                pending.append(next_path)
    for mapped in trace.mapped:
        if mapped.pid in trace.tracer_pids or mapped.path.startswith(PSEUDO_ROOTS_SLASHED):
            continue
        target = resolve(mapped.path)
        if target is not None and target not in opened:
            raise TraceLost(f"pid {mapped.pid} has {mapped.path} mapped, but strace never saw it opened")


PSEUDO_ROOTS_SLASHED = tuple(f"/{root}/" for root in PSEUDO_ROOTS)
