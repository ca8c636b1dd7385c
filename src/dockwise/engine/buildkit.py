"""BuildKit builds through the docker CLI, with live progress and the failing step's log on error."""

from __future__ import annotations

import re
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dockwise.core.errors import DockwiseError
from dockwise.core.programs import streamed_program
from dockwise.engine.client import cli_client
from dockwise.engine.pip_failures import PipCause, pip_cause

HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
CA_SECRET_ID = "cacert"

_STEP_TITLE = re.compile(r"^#(\d+) (\[[^\]]+\] .*)$")
_STEP_ERROR = re.compile(r"^#(\d+) ERROR: (.*)$")
_TIMESTAMP = re.compile(r"^\d+\.\d+ ")
_SOLVE_ERROR = re.compile(r"^(?:error: )?failed to solve(?: with frontend dockerfile\.v0)?: (.*)$")


@dataclass(frozen=True)
class BuildRequest:
    """What to build: a context directory, its Dockerfile, and how to tag and parameterise the result."""

    context: Path
    dockerfile: Path
    tag: str
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, Path] = field(default_factory=dict)
    target: str | None = None
    no_cache: bool = False
    platform: str | None = None  # `linux/arm64`: BuildKit builds for it (a foreign one runs under emulation)


@dataclass(frozen=True)
class BuildResult:
    image_id: str
    tag: str
    seconds: float


def host_ca_secret() -> dict[str, Path]:
    """The host CA bundle as a build secret, so pip inside the build trusts a TLS-intercepting proxy.

    Offered whenever the host has the bundle: a secret mount never reaches a layer or the history, so offering it
    where it is not needed costs nothing.
    """
    return {CA_SECRET_ID: HOST_CA_BUNDLE} if HOST_CA_BUNDLE.is_file() else {}


def _command(request: BuildRequest, iidfile: Path) -> list[str]:
    client = cli_client()
    command = [*client.build_command(), "--progress=plain", "--iidfile", str(iidfile), "-t", request.tag]
    command += ["-f", str(request.dockerfile)]
    for key, value in sorted(request.build_args.items()):
        command += ["--build-arg", f"{key}={value}"]
    for key, value in sorted(request.labels.items()):
        command += ["--label", f"{key}={value}"]
    for secret_id, source in sorted(request.secrets.items()):
        command += ["--secret", f"id={secret_id},src={source}"]
    if request.target:
        command += ["--target", request.target]
    if request.no_cache:
        command.append("--no-cache")
    if request.platform:
        command += ["--platform", request.platform]
    command.append(str(request.context))
    return command


def _check_inputs(request: BuildRequest) -> None:
    if not request.context.is_dir():
        raise DockwiseError(f"build context {request.context} is not a directory", "pass the app's directory")
    if not request.dockerfile.is_file():
        raise DockwiseError(
            f"no Dockerfile at {request.dockerfile}", "create it, or pass the app directory that holds it"
        )


def build_image(request: BuildRequest, on_step: Callable[[str], None] = lambda _title: None) -> BuildResult:
    """Build and tag an image; the tag is applied only when the whole build succeeded.

    `on_step` receives each BuildKit step title as it starts (for progress display).
    """
    _check_inputs(request)
    client = cli_client()
    started = time.monotonic()
    lines: deque[str] = deque(maxlen=4000)
    with tempfile.TemporaryDirectory(prefix="dockwise-build-") as tmp:
        iidfile = Path(tmp) / "iid"
        # The tag is only applied by a build that succeeds; Ctrl-C kills the client (and so the build) at once.
        with streamed_program(_command(request, iidfile), tool="docker build", env=client.env()) as (process, output):
            for line in output:
                lines.append(line)
                title = _STEP_TITLE.match(line)
                if title:
                    on_step(title.group(2))
            returncode = process.wait()
        if returncode != 0 or not iidfile.is_file():
            raise _build_error(request, list(lines))
        image_id = iidfile.read_text().strip()
    return BuildResult(image_id=image_id, tag=request.tag, seconds=time.monotonic() - started)


@dataclass(frozen=True)
class BuildFailure:
    step: str
    reason: str
    log_tail: list[str]
    pip: PipCause | None = None  # the cause pip named, when the failed step was a pip install


def parse_failure(lines: list[str], tail: int = 15) -> BuildFailure:
    """Find the failing step, BuildKit's reason and the last lines that step printed, in `--progress=plain` output."""
    titles: dict[str, str] = {}
    failed_step: str | None = None
    reason = ""
    for line in lines:
        if match := _STEP_TITLE.match(line):
            titles.setdefault(match.group(1), match.group(2))
        elif match := _STEP_ERROR.match(line):
            failed_step, reason = match.group(1), match.group(2)
        elif match := _SOLVE_ERROR.match(line.strip()):
            reason = reason or match.group(1)
    if failed_step is None:
        generic = [line for line in lines if line.strip()]
        return BuildFailure(
            step="(before any step)",
            reason=reason or (generic[-1] if generic else "no output"),
            log_tail=generic[-tail:],
        )
    prefix = f"#{failed_step} "
    step_lines = [_TIMESTAMP.sub("", line[len(prefix) :], count=1) for line in lines if line.startswith(prefix)]
    output = [line for line in step_lines if not line.startswith(("ERROR:", "DONE", "CACHED", "["))]
    return BuildFailure(
        step=titles.get(failed_step, f"step #{failed_step}"),
        reason=reason,
        log_tail=output[-tail:],
        pip=pip_cause(step_lines),  # pip's own `ERROR:` lines too, which the tail leaves out
    )


def _build_error(request: BuildRequest, lines: list[str]) -> DockwiseError:
    failure = parse_failure(lines)
    step = " ".join(failure.step.split())
    step = step if len(step) <= 90 else step[:87] + "..."
    if failure.pip is not None:
        return DockwiseError(
            f"building {request.tag} failed at {step}: {failure.pip.cause}", failure.pip.fix, details=failure.log_tail
        )
    return DockwiseError(
        f"building {request.tag} failed at {step}: {' '.join(failure.reason.split())[:200]}",
        "fix that step (its log is above), then build again",
        details=failure.log_tail,
    )
