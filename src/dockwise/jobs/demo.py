"""`dockwise demo`: build the app in both variants, compare them on the built images and running containers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dockwise.core.atomic import write_text
from dockwise.engine.buildkit import BuildResult
from dockwise.image.comparison import Comparison
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from dockwise.service import labels as service_labels
from dockwise.service.profile import HARDENED, RunProfile

if TYPE_CHECKING:
    from dockwise.jobs.slim import SlimResult

VARIANT_ORDER = ("standard", "distroless")  # standard first: every ratio reads against it


@dataclass(frozen=True)
class DemoResult:
    builds: dict[str, BuildResult]
    comparison: Comparison
    json_path: Path
    html_path: Path
    slim: SlimResult | None = None

    def as_dict(self, app_dir: Path) -> dict[str, object]:
        return {
            "app_dir": str(app_dir),
            "builds": {
                name: {"tag": b.tag, "image_id": b.image_id, "seconds": round(b.seconds, 2)}
                for name, b in self.builds.items()
            },
            "comparison": self.comparison.as_dict(),
            "slim": self.slim.report.as_dict() if self.slim else None,
        }


def run_demo(
    app_dir: Path,
    *,
    runs: int = 5,
    load_seconds: float = 3.0,
    json_path: Path,
    html_path: Path,
    source: BaseSource = BaseSource.AUTO,
    labels: dict[str, str] | None = None,
    profile: RunProfile = HARDENED,
    health_path: str | None = None,
    resilience_seconds: float = 5.0,
    slim: bool = True,
    say: Callable[[str], None] = lambda _msg: None,
    on_step: Callable[[str], None] = lambda _step: None,
) -> DemoResult:
    """Build both variants of `app_dir` and, with `slim`, a traced minimal image of the distroless one; compare them
    (static facts, runtime probes under the run `profile`, the hardening proof and, for `resilience_seconds` > 0, the
    resilience suite), write JSON and HTML."""
    from dockwise.jobs.compare import compare_images
    from dockwise.report.html import render_html

    builds: dict[str, BuildResult] = {}
    for variant in VARIANT_ORDER:
        say(f"building the {variant} image")
        builds[variant] = build_app(
            app_dir,
            variant,
            source=source,
            on_step=on_step,
            labels=labels,
            ensure_bases=lambda release: ensure_local_bases(release, say=say),
        )
    tags = [builds[v].tag for v in VARIANT_ORDER]
    slimmed = None
    if slim:
        from dockwise.jobs.slim import app_probe_file, slim_image

        say("slimming the distroless image (traced under probes, verified before it is tagged)")
        slimmed = slim_image(
            builds["distroless"].tag,
            tag=builds["distroless"].tag.rsplit(":", 1)[0] + ":slim",
            probe_file=app_probe_file(app_dir),
            labels=labels,
            say=say,
        )
        tags.append(slimmed.tag)
    comparison = compare_images(
        tags,
        runtime=True,
        runs=runs,
        load_seconds=load_seconds,
        labels={service_labels.DEMO: "1", **(labels or {})},
        progress=say,
        profile=profile,
        health_path=health_path,
        resilience_seconds=resilience_seconds,
    )
    result = DemoResult(builds, comparison, json_path, html_path, slimmed)
    write_text(json_path, json.dumps(result.as_dict(app_dir), indent=2, sort_keys=True) + "\n")
    write_text(html_path, render_html(comparison, slim=slimmed.report if slimmed is not None else None))
    return result
