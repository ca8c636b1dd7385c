"""`dockwise compare`: read each image, check it, judge the seed's practices, and (for engine images) run it to
measure startup, memory, the user really running and throughput."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Sequence

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.image import collect
from dockwise.image.comparison import Comparison, ImageReport
from dockwise.image.practices import judge
from dockwise.jobs.platforms import Target
from dockwise.service.profile import HARDENED, RunProfile


def compare_images(
    refs: Sequence[str],
    *,
    runtime: bool = True,
    runs: int = 5,
    load_seconds: float = 3.0,
    labels: dict[str, str] | None = None,
    gzip_size: bool = True,
    progress: Callable[[str], None] | None = None,
    profile: RunProfile = HARDENED,
    health_path: str | None = None,
    resilience_seconds: float = 0.0,
    platform: str | None = None,
) -> Comparison:
    """Collect facts, findings and verdicts for each image, and runtime probes for engine images when `runtime`:
    under the run `profile`, on `health_path` (default: the path the image's HEALTHCHECK probes, else /), with the
    resilience suite when `resilience_seconds` > 0.

    Runtime probes come from `dockwise.measure.runtime.probe_runtime`; archives and layouts are never probed. An
    image index is compared per platform (one column each), unless `platform` picks one; an engine image of another
    platform than the engine's runs under emulation.
    """
    from dockwise.jobs.platforms import platform_targets

    if not refs:
        raise DockwiseError(
            "compare needs at least one image", "pass one or more image references or archives", exit_code=EXIT_USAGE
        )
    say = progress or (lambda _msg: None)
    images = []
    for given in refs:
        for target in platform_targets(given, platform):
            images.append(
                _report(
                    given,
                    target,
                    runtime=runtime,
                    runs=runs,
                    load_seconds=load_seconds,
                    labels=labels,
                    gzip_size=gzip_size,
                    say=say,
                    profile=profile,
                    health_path=health_path,
                    resilience_seconds=resilience_seconds,
                )
            )
    generated = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return Comparison(tuple(images), generated)


def _report(
    given: str,
    target: Target,
    *,
    runtime: bool,
    runs: int,
    load_seconds: float,
    labels: dict[str, str] | None,
    gzip_size: bool,
    say: Callable[[str], None],
    profile: RunProfile,
    health_path: str | None,
    resilience_seconds: float,
) -> ImageReport:
    """One column: `given` as the user named it, read (and run, for an engine image) as `target` says."""
    from dockwise.image.checks import run_checks
    from dockwise.measure.runtime import probe_runtime

    say(f"reading {target.label(given)}")
    facts = collect(given if target.platform is None else target.source, gzip_size=gzip_size)
    if target.platform is not None:
        facts = dataclasses.replace(facts, tags=(target.label(facts.tags[0] if facts.tags else given),))
    measured, note = None, "runtime probes skipped (--no-runtime)"
    if runtime:
        if target.source.kind != "engine":
            note = "runtime probes need an image in the engine; this is an archive or layout"
        else:
            ref = target.source.location
            say(f"probing {ref} at run time")
            result = probe_runtime(
                ref,
                runs=runs,
                load_seconds=load_seconds,
                labels=labels,
                port=facts.service_port(),
                path=health_path or facts.health_path() or "/",
                profile=profile,
                resilience_seconds=resilience_seconds,
            )
            measured, note = result.as_dict(), "measured"
    return ImageReport(facts, tuple(run_checks(facts)), judge(facts, measured), measured, note)
