"""How probes reach a running service's port: from this host through the port published on 127.0.0.1 (a local
engine), or from a helper container sharing the service's network namespace (any engine: dockwise.measure.pod).

Both run the same probe functions (`dockwise.measure.http_faults`, standard library only) and the same wrk; only
where they run differs. In the helper, the module's own source runs under the helper's Python and its result comes
back as one JSON line; lines it emits on the way (`polling`, `stop`) arrive as they are printed, so the caller can
act on them (start the service, stop it) at the moment they mean.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from dockwise.core.errors import DockwiseError
from dockwise.engine import http_status
from dockwise.measure import http_faults
from dockwise.measure.load import LoadResult, parse_wrk, run_load, wrk_command

_PRELUDE = """
import sys as _sys, types as _types
_module = _types.ModuleType({name!r})
exec(compile({source!r}, {name!r}, "exec"), _module.__dict__)
_sys.modules[{name!r}] = _module
exec(compile({faults!r}, {faults_name!r}, "exec"), globals())
"""
"""The helper's program before the runner: `dockwise.engine.http_status` (standard library only), registered under its
own name so that http_faults' one dockwise import finds it without dockwise installed, then http_faults' source."""

_RUNNER = """
import json as _json, sys as _sys
def _emit(line):
    print("E " + line, flush=True)
_function = globals()[_sys.argv[1]]
_kwargs = decode(_json.loads(_sys.argv[2]))
if "emit" in _function.__code__.co_varnames:
    _kwargs["emit"] = _emit
print("R " + _json.dumps(encode(_function(**_kwargs))), flush=True)
"""
"""Appended to the prelude: runs one of its functions with keyword arguments (argv 1 and 2: its name and the
arguments, JSON as `encode` writes it)."""


@dataclass
class Emitted:
    """What a streamed probe says while it runs (`lines`), and what it returned (`result`, once `lines` ended)."""

    lines: Iterator[str]
    result: Any = None


class Reach(Protocol):
    """Where probes run from, and which port they reach the service on there."""

    @property
    def port(self) -> int: ...

    def describe(self) -> str: ...

    def call(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        """Run `function` (one of http_faults') with `port` and `kwargs`; its result."""

    def stream(self, function: Callable[..., Any], **kwargs: Any) -> contextlib.AbstractContextManager[Emitted]:
        """Run `function` with an `emit` callback, for a `with` block: the lines it emits as they come."""

    def load(self, path: str, *, seconds: float, connections: int = 16, threads: int = 2) -> LoadResult: ...


@dataclass(frozen=True)
class HostReach:
    """Probes from this host, through the port the engine published on 127.0.0.1 (a local engine only)."""

    port: int

    def describe(self) -> str:
        return f"from this host through 127.0.0.1:{self.port} (published port)"

    def call(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        return function(self.port, **kwargs)

    @contextlib.contextmanager
    def stream(self, function: Callable[..., Any], **kwargs: Any) -> Iterator[Emitted]:
        lines: queue.Queue[tuple[str, Any]] = queue.Queue()

        def work() -> None:
            try:
                lines.put(("result", function(self.port, emit=lambda line: lines.put(("line", line)), **kwargs)))
            except BaseException as exc:
                lines.put(("error", exc))

        thread = threading.Thread(target=work, daemon=True)
        thread.start()

        def events() -> Iterator[str]:
            while True:
                kind, value = lines.get()
                if kind == "line":
                    yield value
                    continue
                if kind == "error":
                    raise value
                emitted.result = value
                return

        emitted = Emitted(events())
        try:
            yield emitted
        finally:
            thread.join(timeout=60)

    def load(self, path: str, *, seconds: float, connections: int = 16, threads: int = 2) -> LoadResult:
        return run_load(self.port, path, seconds=seconds, connections=connections, threads=threads)


@dataclass(frozen=True)
class PodReach:
    """Probes from a helper container in the service's network namespace, through the engine's exec API: the
    service's own port on that namespace's loopback. Nothing is published and the host's /proc is never read."""

    helper: Any  # docker SDK Container: the probe image, sharing the network namespace
    port: int

    def describe(self) -> str:
        return f"from a helper container in the service's network namespace through 127.0.0.1:{self.port} (engine exec)"

    def _exec(self, argv: list[str]) -> tuple[str, Iterator[tuple[bytes | None, bytes | None]]]:
        api = self.helper.client.api
        exec_id = api.exec_create(self.helper.id, argv)["Id"]
        return exec_id, api.exec_start(exec_id, stream=True, demux=True)

    def _python(self, function: Callable[..., Any], kwargs: dict[str, Any]) -> list[str]:
        program = _PRELUDE.format(
            name=http_status.__name__,
            source=inspect.getsource(http_status),
            faults=inspect.getsource(http_faults),
            faults_name=http_faults.__name__,
        )
        program += _RUNNER
        return [
            "python3",
            "-c",
            program,
            function.__name__,
            json.dumps(http_faults.encode({"port": self.port, **kwargs})),
        ]

    def _lines(
        self, exec_id: str, chunks: Iterator[tuple[bytes | None, bytes | None]], emitted: Emitted
    ) -> Iterator[str]:
        """Emitted lines as they come; the result line goes to `emitted.result`; a failed run raises with stderr."""
        buffer, errors = b"", b""
        for out, err in chunks:
            errors += err or b""
            buffer += out or b""
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith("E "):
                    yield text[2:]
                elif text.startswith("R "):
                    emitted.result = http_faults.decode(json.loads(text[2:]))
                    return
        code = self.helper.client.api.exec_inspect(exec_id).get("ExitCode")
        tail = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise DockwiseError(
            f"a probe in the helper container failed (exit {code}): {tail[0][:200]}",
            "check that the service container is still running",
        )

    def call(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        with self.stream(function, **kwargs) as emitted:
            for _ in emitted.lines:
                pass
        return emitted.result

    @contextlib.contextmanager
    def stream(self, function: Callable[..., Any], **kwargs: Any) -> Iterator[Emitted]:
        exec_id, chunks = self._exec(self._python(function, kwargs))
        emitted = Emitted(iter(()))
        emitted.lines = self._lines(exec_id, chunks, emitted)
        yield emitted

    def load(self, path: str, *, seconds: float, connections: int = 16, threads: int = 2) -> LoadResult:
        command, _ = wrk_command("wrk", self.port, path, seconds=seconds, connections=connections, threads=threads)
        _, chunks = self._exec(command)
        output = b"".join((out or b"") + (err or b"") for out, err in chunks)
        return parse_wrk(output.decode(errors="replace"), connections)


@dataclass(frozen=True)
class Running:
    """A service container under probe and how to reach it."""

    container: Any  # docker SDK Container
    reach: Reach

    def status(self, path: str = "/", timeout: float = 3.0) -> int | None:
        return self.reach.call(http_faults.get_status, path=path, timeout=timeout)

    def answers(self, path: str) -> bool:
        status = self.status(path)
        return status is not None and 200 <= status < 400

    def wait_ok(self, path: str = "/", timeout: float = 60.0) -> float:
        """Seconds until GET `path` answers 2xx/3xx, polled where the reach runs; raises with the log tail if the
        container exits or `timeout` passes first."""
        from dockwise.engine.containers import log_tail

        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.reach.call(http_faults.first_ok, path=path, timeout=min(2.0, timeout)) is not None:
                return time.monotonic() - started
            self.container.reload()
            if self.container.status in ("exited", "dead"):
                break
        raise DockwiseError(
            f"{self.container.image.tags[:1] or self.container.image.id} never answered 2xx/3xx on {path} "
            f"(container {self.container.status}); log tail: {log_tail(self.container, 3)}",
            "run the image by hand and read `docker logs`",
        )
