"""`dockwise compare`: read each image, check it, judge the seed's practices, and (for engine images) run it to
measure startup, memory, the user really running and throughput."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence

from dockwise.core.errors import DockwiseError
from dockwise.engine.run_profile import HARDENED, RunProfile
from dockwise.image import collect
from dockwise.image.comparison import Comparison, ImageReport
from dockwise.image.practices import judge
from dockwise.image.sources import parse_source


def compare_images(refs: Sequence[str], *, runtime: bool = True, runs: int = 5, load_seconds: float = 3.0,
                   labels: dict[str, str] | None = None, gzip_size: bool = True,
                   progress: Callable[[str], None] | None = None, profile: RunProfile = HARDENED,
                   health_path: str | None = None, resilience_seconds: float = 0.0) -> Comparison:
    """Collect facts, findings and verdicts for each image, and runtime probes for engine images when `runtime`:
    under the run `profile`, on `health_path` (default: the path the image's HEALTHCHECK probes, else /), with the
    resilience suite when `resilience_seconds` > 0.

    Runtime probes come from `dockwise.measure.runtime.probe_runtime`; archives and layouts are never probed.
    """
    from dockwise.image.checks import run_checks
    from dockwise.measure.runtime import probe_runtime

    if not refs:
        raise DockwiseError("compare needs at least one image", "pass one or more image references or archives", exit_code=2)
    say = progress or (lambda _msg: None)
    images = []
    for ref in refs:
        say(f"reading {ref}")
        facts = collect(ref, gzip_size=gzip_size)
        measured, note = None, "runtime probes skipped (--no-runtime)"
        if runtime:
            if parse_source(ref).kind != "engine":
                note = "runtime probes need an image in the engine; this is an archive or layout"
            else:
                say(f"probing {ref} at run time")
                port = facts.service_port()
                result = probe_runtime(ref, runs=runs, load_seconds=load_seconds, labels=labels, port=port,
                                       path=health_path or facts.health_path() or "/", profile=profile,
                                       resilience_seconds=resilience_seconds)
                measured, note = result.as_dict(), "measured"
        images.append(ImageReport(facts, tuple(run_checks(facts)), judge(facts, measured), measured, note))
    generated = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return Comparison(tuple(images), generated)
