"""Platforms: `dockwise doctor --platforms` (which run here, setting arm64 emulation up where dockwise may), and
which platform's image `inspect`, `compare` and `sbom` read."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.platform import PLATFORMS, parse_platform
from dockwise.engine.emulation import PlatformSupport, platform_support, setup_emulation
from dockwise.image.sources import Source, list_platforms, parse_source, platform_matches


def check_platforms(say: Callable[[str], None] = lambda _m: None) -> list[PlatformSupport]:
    """Set emulation up (as root on Debian) when a foreign platform does not run, then check every platform on the
    host and in a container of the engine."""
    from dockwise.engine.client import sdk_client

    client = sdk_client()
    platforms = list(PLATFORMS.values())
    support = [platform_support(p, client) for p in platforms]
    if not all(s.ready for s in support) and os.geteuid() == 0 and Path("/etc/debian_version").exists():
        setup_emulation([s.platform for s in support if not s.ready], say)
        support = [platform_support(p, client) for p in platforms]
    return support


@dataclass(frozen=True)
class Target:
    """One platform's image to read: the Source, and the platform it stands for (None: a single-platform image)."""

    source: Source
    platform: str | None

    def label(self, name: str) -> str:
        """`name`, or `name#linux/arm64` when the image is one platform of several."""
        return name if self.platform is None else f"{name}#{self.platform}"


def platform_targets(image: str, platform: str | None = None) -> list[Target]:
    """What `inspect`, `compare` and `sbom` read for IMAGE: the `platform` asked for, else every platform of an image
    index (each reported on its own), else the image itself. An engine holds one platform per tag: with `platform`,
    an engine image of another platform is replaced by dockwise's `-ARCH` tag of it when the engine has that."""
    source = parse_source(image)
    if platform is not None:
        wanted = str(parse_platform(platform)) if "/" not in platform else platform
        if source.kind == "engine":
            return [
                Target(
                    dataclasses.replace(source, location=_engine_ref(source.location, wanted), platform=wanted), wanted
                )
            ]
        return [Target(dataclasses.replace(source, platform=wanted), wanted)]
    if source.kind == "engine":
        return [Target(source, None)]
    found = [p for p in list_platforms(source) if p]
    if len(found) <= 1:
        return [Target(source, None)]
    return [Target(dataclasses.replace(source, platform=p), p) for p in found]


def _engine_ref(ref: str, wanted: str) -> str:
    from docker.errors import ImageNotFound

    from dockwise.engine.client import sdk_client

    client = sdk_client()
    candidates = [ref]
    known = PLATFORMS.get("/".join(wanted.split("/")[:2]))
    if known is not None and known.tag(ref) != ref:
        candidates.append(known.tag(ref))
    for candidate in candidates:
        try:
            attrs = client.images.get(candidate).attrs
        except ImageNotFound:
            continue
        if platform_matches(
            f"{attrs.get('Os') or 'linux'}/{attrs.get('Architecture')}", "/".join(wanted.split("/")[:2])
        ):
            return candidate
    raise DockwiseError(
        f"the engine holds no {wanted} image of {ref} (tried {', '.join(candidates)})",
        "build it with `dockwise build --platform`, or load it",
        exit_code=EXIT_USAGE,
    )


def one_platform(image: str, platform: str | None) -> Target:
    """The one image `sbom` describes: refused, naming the platforms, when IMAGE is an index of several."""
    targets = platform_targets(image, platform)
    if len(targets) > 1:
        names = ", ".join(str(t.platform) for t in targets)
        raise DockwiseError(
            f"{image} holds {len(targets)} platforms ({names})",
            "pass --platform (one SBOM per platform)",
            exit_code=EXIT_USAGE,
        )
    return targets[0]


def inspect_platforms(image: str, targets: list[Target], settings, *, gzip_size: bool):
    """`inspect` of each platform's image: the findings of all (each naming its platform in `file`), the facts of
    each in the text, and {"platforms": [{platform, image, findings}]} as the JSON document."""
    import json

    from dockwise.core.rules import all_rules
    from dockwise.image import collect
    from dockwise.image.checks import run_checks
    from dockwise.report.findings_output import FindingsReport
    from dockwise.report.table import facts_text

    rules = all_rules("image")
    reports = []
    for target in targets:
        facts = collect(target.source, gzip_size=gzip_size)
        where = target.label(image)
        findings = [dataclasses.replace(f, file=where) for f in run_checks(facts, settings, rules)]
        reports.append((target, facts, findings))
    every = [finding for _target, _facts, findings in reports for finding in findings]

    def text(colored: bool) -> str:
        return "\n".join(
            f"== {target.platform} ==\n" + facts_text(facts, findings, color=colored)
            for target, facts, findings in reports
        )

    def document() -> str:
        return (
            json.dumps(
                {
                    "platforms": [
                        {
                            "platform": target.platform,
                            "image": facts.as_dict(),
                            "findings": [f.as_dict() for f in findings],
                        }
                        for target, facts, findings in reports
                    ]
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )

    return FindingsReport(
        findings=every, checked=[t.label(image) for t in targets], rules=rules, text=text, document=document
    )
